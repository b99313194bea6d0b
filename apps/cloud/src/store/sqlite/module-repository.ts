import type { SqliteDatabase } from '@verge/platform';
import type { ModuleRepository } from '../ports.js';
import type { SyncOf } from './sync-ports.js';
import { upsertSql } from './upsert-sql.js';
import { writeIf } from './write-condition.js';
import { columnValues, moduleColumns, moduleFromRow, moduleRow, type ModuleRow } from '../rows.js';

/** SQLite implementation of `ModuleRepository`. */
export function createSqliteModuleRepository(db: SqliteDatabase): SyncOf<ModuleRepository> {
  const get = db.prepare<[string, string], ModuleRow>('SELECT * FROM modules WHERE device_id = ? AND module_id = ?');
  const etagOf = db.prepare<[string, string], { etag: string }>('SELECT etag FROM modules WHERE device_id = ? AND module_id = ?');
  const list = db.prepare<[string], ModuleRow>('SELECT * FROM modules WHERE device_id = ? ORDER BY module_id');
  // An upsert: a replace must never look like a delete to foreign keys.
  const put = db.prepare<unknown[]>(upsertSql('modules', moduleColumns, ['device_id', 'module_id']));
  const del = db.prepare<[string, string]>('DELETE FROM modules WHERE device_id = ? AND module_id = ?');
  const delAll = db.prepare<[string]>('DELETE FROM modules WHERE device_id = ?');
  const setConnection = db.prepare<[string, number, number, string, string]>(
    'UPDATE modules SET connection_state = ?, connection_state_updated_at = ?, last_activity_at = ? WHERE device_id = ? AND module_id = ?',
  );
  const touch = db.prepare<[number, string, string]>('UPDATE modules SET last_activity_at = ? WHERE device_id = ? AND module_id = ?');
  return {
    get: (d, m) => {
      const row = get.get(d, m);
      return row === undefined ? undefined : moduleFromRow(row);
    },
    list: (d) => list.all(d).map(moduleFromRow),
    put: (record, condition) =>
      writeIf(
        db,
        condition,
        `module '${record.deviceId}/${record.moduleId}'`,
        () => etagOf.get(record.deviceId, record.moduleId)?.etag,
        () => void put.run(...columnValues(moduleRow(record), moduleColumns)),
      ),
    delete: (d, m) => del.run(d, m).changes > 0,
    deleteAll: (d) => delAll.run(d).changes,
    setConnection: (d, m, state, atMs) => void setConnection.run(state, atMs, atMs, d, m),
    touch: (d, m, atMs) => void touch.run(atMs, d, m),
  };
}

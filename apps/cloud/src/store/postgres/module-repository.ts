import type { ModuleRepository } from '../ports.js';
import type { ModuleRecord } from '../records.js';
import { columnValues, moduleColumns, moduleFromRow, moduleRow, type ModuleRow } from '../rows.js';
import { recordWrites, run, writeRecord, type PgQueryable } from './pg-queryable.js';

const writes = recordWrites('modules', moduleColumns, ['device_id', 'module_id']);

function toValues(m: ModuleRecord): unknown[] {
  return columnValues(moduleRow(m), moduleColumns);
}

/** PostgreSQL implementation of `ModuleRepository`. */
export function createPgModuleRepository(db: PgQueryable): ModuleRepository {
  return {
    async get(d, m) {
      const { rows } = await run<ModuleRow>(db, 'modules-get', 'SELECT * FROM modules WHERE device_id = $1 AND module_id = $2', [d, m]);
      return rows[0] === undefined ? undefined : moduleFromRow(rows[0]);
    },
    async list(d) {
      const { rows } = await run<ModuleRow>(db, 'modules-list', 'SELECT * FROM modules WHERE device_id = $1 ORDER BY module_id', [d]);
      return rows.map(moduleFromRow);
    },
    put: (record, condition) => writeRecord(db, 'modules', writes, toValues(record), condition, `module '${record.deviceId}/${record.moduleId}'`),
    delete: async (d, m) => ((await run(db, 'modules-delete', 'DELETE FROM modules WHERE device_id = $1 AND module_id = $2', [d, m])).rowCount ?? 0) > 0,
    deleteAll: async (d) => (await run(db, 'modules-delete-all', 'DELETE FROM modules WHERE device_id = $1', [d])).rowCount ?? 0,
    async setConnection(d, m, state, atMs) {
      await run(
        db,
        'modules-set-connection',
        'UPDATE modules SET connection_state = $1, connection_state_updated_at = $2, last_activity_at = $2 WHERE device_id = $3 AND module_id = $4',
        [state, atMs, d, m],
      );
    },
    async touch(d, m, atMs) {
      await run(db, 'modules-touch', 'UPDATE modules SET last_activity_at = $1 WHERE device_id = $2 AND module_id = $3', [atMs, d, m]);
    },
  };
}

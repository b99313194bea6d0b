import type { SqliteDatabase } from '@verge/platform';
import type { DeviceRepository } from '../ports.js';
import type { SyncOf } from './sync-ports.js';
import { upsertSql } from './upsert-sql.js';
import { writeIf } from './write-condition.js';
import { columnValues, deviceColumns, deviceFromRow, deviceRow, sqliteCodec, type DeviceRow } from '../rows.js';

const toRecord = (r: DeviceRow) => deviceFromRow(r, sqliteCodec);

/** SQLite implementation of `DeviceRepository`. */
export function createSqliteDeviceRepository(db: SqliteDatabase): SyncOf<DeviceRepository> {
  const get = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE device_id = ?');
  const etagOf = db.prepare<[string], { etag: string }>('SELECT etag FROM devices WHERE device_id = ?');
  const list = db.prepare<[number], DeviceRow>('SELECT * FROM devices ORDER BY device_id LIMIT ?');
  const children = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE parent_device_id = ? ORDER BY device_id');
  // An upsert, not INSERT OR REPLACE: REPLACE deletes the row first, which would cascade to modules and twins.
  const put = db.prepare<unknown[]>(upsertSql('devices', deviceColumns, ['device_id']));
  const del = db.prepare<[string]>('DELETE FROM devices WHERE device_id = ?');
  const setConnection = db.prepare<[string, number, number, string]>(
    'UPDATE devices SET connection_state = ?, connection_state_updated_at = ?, last_activity_at = ? WHERE device_id = ?',
  );
  const touch = db.prepare<[number, string]>('UPDATE devices SET last_activity_at = ? WHERE device_id = ?');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM devices');
  const byStatus = db.prepare<[], { status: string; n: number }>('SELECT status, COUNT(*) AS n FROM devices GROUP BY status');
  return {
    get: (id) => {
      const row = get.get(id);
      return row === undefined ? undefined : toRecord(row);
    },
    list: (options = {}) => list.all(options.top ?? -1).map(toRecord),
    children: (parent) => children.all(parent).map(toRecord),
    put: (record, condition) =>
      writeIf(db, condition, `device '${record.deviceId}'`, () => etagOf.get(record.deviceId)?.etag, () => void put.run(...columnValues(deviceRow(record, sqliteCodec), deviceColumns))),
    // ON DELETE CASCADE removes modules, twins and queued C2D messages.
    delete: (id) => del.run(id).changes > 0,
    setConnection: (id, state, atMs) => void setConnection.run(state, atMs, atMs, id),
    touch: (id, atMs) => void touch.run(atMs, id),
    count: () => count.get()?.n ?? 0,
    countByStatus: () => {
      const rows = byStatus.all();
      const n = (status: string): number => rows.find((r) => r.status === status)?.n ?? 0;
      return { enabled: n('enabled'), disabled: n('disabled') };
    },
  };
}

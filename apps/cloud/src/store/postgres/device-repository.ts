import type { DeviceRepository } from '../ports.js';
import type { DeviceRecord } from '../records.js';
import { columnValues, deviceColumns, deviceFromRow, deviceRow, pgCodec, type DeviceRow } from '../rows.js';
import { recordWrites, run, writeRecord, type PgQueryable } from './pg-queryable.js';

const writes = recordWrites('devices', deviceColumns, ['device_id']);

const toRecord = (r: DeviceRow): DeviceRecord => deviceFromRow(r, pgCodec);

function toValues(d: DeviceRecord): unknown[] {
  return columnValues(deviceRow(d, pgCodec), deviceColumns);
}

/** PostgreSQL implementation of `DeviceRepository`; conditional writes are single conditional statements. */
export function createPgDeviceRepository(db: PgQueryable): DeviceRepository {
  return {
    async get(deviceId) {
      const { rows } = await run<DeviceRow>(db, 'devices-get', 'SELECT * FROM devices WHERE device_id = $1', [deviceId]);
      return rows[0] === undefined ? undefined : toRecord(rows[0]);
    },
    async list(options = {}) {
      const { rows } = await run<DeviceRow>(db, 'devices-list', 'SELECT * FROM devices ORDER BY device_id LIMIT $1', [options.top ?? null]);
      return rows.map(toRecord);
    },
    async children(parent) {
      const { rows } = await run<DeviceRow>(db, 'devices-children', 'SELECT * FROM devices WHERE parent_device_id = $1 ORDER BY device_id', [parent]);
      return rows.map(toRecord);
    },
    put: (record, condition) => writeRecord(db, 'devices', writes, toValues(record), condition, `device '${record.deviceId}'`),
    // ON DELETE CASCADE removes modules, twins and queued C2D messages.
    delete: async (id) => ((await run(db, 'devices-delete', 'DELETE FROM devices WHERE device_id = $1', [id])).rowCount ?? 0) > 0,
    async setConnection(id, state, atMs) {
      await run(
        db,
        'devices-set-connection',
        'UPDATE devices SET connection_state = $1, connection_state_updated_at = $2, last_activity_at = $2 WHERE device_id = $3',
        [state, atMs, id],
      );
    },
    async touch(id, atMs) {
      await run(db, 'devices-touch', 'UPDATE devices SET last_activity_at = $1 WHERE device_id = $2', [atMs, id]);
    },
    async count() {
      const { rows } = await run<{ n: number }>(db, 'devices-count', 'SELECT COUNT(*)::int AS n FROM devices');
      return rows[0]?.n ?? 0;
    },
    async countByStatus() {
      const { rows } = await run<{ enabled: number; disabled: number }>(
        db,
        'devices-count-by-status',
        "SELECT COUNT(*) FILTER (WHERE status = 'enabled')::int AS enabled, COUNT(*) FILTER (WHERE status = 'disabled')::int AS disabled FROM devices",
      );
      return { enabled: rows[0]?.enabled ?? 0, disabled: rows[0]?.disabled ?? 0 };
    },
  };
}

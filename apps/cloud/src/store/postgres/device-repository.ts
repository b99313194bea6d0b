import type { DeviceRepository } from '../ports.js';
import type { ConnectionState, DeviceRecord, IdentityStatus } from '../records.js';
import { authFromColumns, authToColumns, type AuthColumns } from '../sqlite/auth-columns.js';
import { recordWrites, run, writeRecord, type PgQueryable } from './pg-queryable.js';

interface DeviceRow extends AuthColumns {
  device_id: string;
  generation_id: string;
  etag: string;
  status: string;
  status_reason: string | null;
  status_updated_at: number;
  is_edge: boolean;
  parent_device_id: string | null;
  connection_state: string;
  connection_state_updated_at: number | null;
  last_activity_at: number | null;
  created_at: number;
}

const columns = [
  'device_id',
  'generation_id',
  'etag',
  'status',
  'status_reason',
  'status_updated_at',
  'auth_type',
  'primary_key',
  'secondary_key',
  'primary_thumbprint',
  'secondary_thumbprint',
  'is_edge',
  'parent_device_id',
  'connection_state',
  'connection_state_updated_at',
  'last_activity_at',
  'created_at',
] as const;

const writes = recordWrites('devices', columns, ['device_id']);

function toRecord(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id,
    generationId: r.generation_id,
    etag: r.etag,
    status: r.status as IdentityStatus,
    statusReason: r.status_reason,
    statusUpdatedAtMs: r.status_updated_at,
    authentication: authFromColumns(r),
    isEdge: r.is_edge,
    parentDeviceId: r.parent_device_id,
    connectionState: r.connection_state as ConnectionState,
    connectionStateUpdatedAtMs: r.connection_state_updated_at,
    lastActivityAtMs: r.last_activity_at,
    createdAtMs: r.created_at,
  };
}

function toValues(d: DeviceRecord): unknown[] {
  const row: DeviceRow = {
    device_id: d.deviceId,
    generation_id: d.generationId,
    etag: d.etag,
    status: d.status,
    status_reason: d.statusReason,
    status_updated_at: d.statusUpdatedAtMs,
    ...authToColumns(d.authentication),
    is_edge: d.isEdge,
    parent_device_id: d.parentDeviceId,
    connection_state: d.connectionState,
    connection_state_updated_at: d.connectionStateUpdatedAtMs,
    last_activity_at: d.lastActivityAtMs,
    created_at: d.createdAtMs,
  };
  return columns.map((c) => row[c]);
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

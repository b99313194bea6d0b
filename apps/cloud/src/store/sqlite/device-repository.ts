import type { SqliteDatabase } from '@verge/platform';
import type { DeviceRepository } from '../ports.js';
import type { SyncOf } from './sync-ports.js';
import { writeIf } from './write-condition.js';
import type { ConnectionState, DeviceRecord, IdentityStatus } from '../records.js';
import { authFromColumns, authToColumns, type AuthColumns } from './auth-columns.js';

interface DeviceRow extends AuthColumns {
  device_id: string;
  generation_id: string;
  etag: string;
  status: string;
  status_reason: string | null;
  status_updated_at: number;
  is_edge: number;
  parent_device_id: string | null;
  connection_state: string;
  connection_state_updated_at: number | null;
  last_activity_at: number | null;
  created_at: number;
}

function toRecord(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id,
    generationId: r.generation_id,
    etag: r.etag,
    status: r.status as IdentityStatus,
    statusReason: r.status_reason,
    statusUpdatedAtMs: r.status_updated_at,
    authentication: authFromColumns(r),
    isEdge: r.is_edge === 1,
    parentDeviceId: r.parent_device_id,
    connectionState: r.connection_state as ConnectionState,
    connectionStateUpdatedAtMs: r.connection_state_updated_at,
    lastActivityAtMs: r.last_activity_at,
    createdAtMs: r.created_at,
  };
}

function toRow(d: DeviceRecord): DeviceRow {
  return {
    device_id: d.deviceId,
    generation_id: d.generationId,
    etag: d.etag,
    status: d.status,
    status_reason: d.statusReason,
    status_updated_at: d.statusUpdatedAtMs,
    ...authToColumns(d.authentication),
    is_edge: d.isEdge ? 1 : 0,
    parent_device_id: d.parentDeviceId,
    connection_state: d.connectionState,
    connection_state_updated_at: d.connectionStateUpdatedAtMs,
    last_activity_at: d.lastActivityAtMs,
    created_at: d.createdAtMs,
  };
}

/** SQLite implementation of `DeviceRepository`. */
export function createSqliteDeviceRepository(db: SqliteDatabase): SyncOf<DeviceRepository> {
  const get = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE device_id = ?');
  const etagOf = db.prepare<[string], { etag: string }>('SELECT etag FROM devices WHERE device_id = ?');
  const list = db.prepare<[number], DeviceRow>('SELECT * FROM devices ORDER BY device_id LIMIT ?');
  const children = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE parent_device_id = ? ORDER BY device_id');
  // An upsert, not INSERT OR REPLACE: REPLACE deletes the row first, which would cascade to modules and twins.
  const put = db.prepare<[DeviceRow]>(`INSERT INTO devices (
    device_id, generation_id, etag, status, status_reason, status_updated_at, auth_type, primary_key, secondary_key, primary_thumbprint, secondary_thumbprint, is_edge, parent_device_id, connection_state, connection_state_updated_at, last_activity_at, created_at
  ) VALUES (
    @device_id, @generation_id, @etag, @status, @status_reason, @status_updated_at, @auth_type, @primary_key, @secondary_key, @primary_thumbprint, @secondary_thumbprint, @is_edge, @parent_device_id, @connection_state, @connection_state_updated_at, @last_activity_at, @created_at
  ) ON CONFLICT (device_id) DO UPDATE SET
    generation_id = excluded.generation_id,
    etag = excluded.etag,
    status = excluded.status,
    status_reason = excluded.status_reason,
    status_updated_at = excluded.status_updated_at,
    auth_type = excluded.auth_type,
    primary_key = excluded.primary_key,
    secondary_key = excluded.secondary_key,
    primary_thumbprint = excluded.primary_thumbprint,
    secondary_thumbprint = excluded.secondary_thumbprint,
    is_edge = excluded.is_edge,
    parent_device_id = excluded.parent_device_id,
    connection_state = excluded.connection_state,
    connection_state_updated_at = excluded.connection_state_updated_at,
    last_activity_at = excluded.last_activity_at,
    created_at = excluded.created_at`);
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
      writeIf(db, condition, `device '${record.deviceId}'`, () => etagOf.get(record.deviceId)?.etag, () => void put.run(toRow(record))),
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

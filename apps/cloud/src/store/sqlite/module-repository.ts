import type { SqliteDatabase } from '@verge/platform';
import type { ModuleRepository } from '../ports.js';
import type { SyncOf } from './sync-ports.js';
import { writeIf } from './write-condition.js';
import type { ConnectionState, ModuleRecord } from '../records.js';
import { authFromColumns, authToColumns, type AuthColumns } from './auth-columns.js';

interface ModuleRow extends AuthColumns {
  device_id: string;
  module_id: string;
  generation_id: string;
  etag: string;
  managed_by: string | null;
  connection_state: string;
  connection_state_updated_at: number | null;
  last_activity_at: number | null;
  created_at: number;
}

function toRecord(r: ModuleRow): ModuleRecord {
  return {
    deviceId: r.device_id,
    moduleId: r.module_id,
    generationId: r.generation_id,
    etag: r.etag,
    managedBy: r.managed_by,
    authentication: authFromColumns(r),
    connectionState: r.connection_state as ConnectionState,
    connectionStateUpdatedAtMs: r.connection_state_updated_at,
    lastActivityAtMs: r.last_activity_at,
    createdAtMs: r.created_at,
  };
}

function toRow(m: ModuleRecord): ModuleRow {
  return {
    device_id: m.deviceId,
    module_id: m.moduleId,
    generation_id: m.generationId,
    etag: m.etag,
    managed_by: m.managedBy,
    ...authToColumns(m.authentication),
    connection_state: m.connectionState,
    connection_state_updated_at: m.connectionStateUpdatedAtMs,
    last_activity_at: m.lastActivityAtMs,
    created_at: m.createdAtMs,
  };
}

/** SQLite implementation of `ModuleRepository`. */
export function createSqliteModuleRepository(db: SqliteDatabase): SyncOf<ModuleRepository> {
  const get = db.prepare<[string, string], ModuleRow>('SELECT * FROM modules WHERE device_id = ? AND module_id = ?');
  const etagOf = db.prepare<[string, string], { etag: string }>('SELECT etag FROM modules WHERE device_id = ? AND module_id = ?');
  const list = db.prepare<[string], ModuleRow>('SELECT * FROM modules WHERE device_id = ? ORDER BY module_id');
  // An upsert (see device-repository.ts): a replace must never look like a delete to foreign keys.
  const put = db.prepare<[ModuleRow]>(`INSERT INTO modules (
    device_id, module_id, generation_id, etag, managed_by, auth_type, primary_key, secondary_key, primary_thumbprint, secondary_thumbprint, connection_state, connection_state_updated_at, last_activity_at, created_at
  ) VALUES (
    @device_id, @module_id, @generation_id, @etag, @managed_by, @auth_type, @primary_key, @secondary_key, @primary_thumbprint, @secondary_thumbprint, @connection_state, @connection_state_updated_at, @last_activity_at, @created_at
  ) ON CONFLICT (device_id, module_id) DO UPDATE SET
    generation_id = excluded.generation_id,
    etag = excluded.etag,
    managed_by = excluded.managed_by,
    auth_type = excluded.auth_type,
    primary_key = excluded.primary_key,
    secondary_key = excluded.secondary_key,
    primary_thumbprint = excluded.primary_thumbprint,
    secondary_thumbprint = excluded.secondary_thumbprint,
    connection_state = excluded.connection_state,
    connection_state_updated_at = excluded.connection_state_updated_at,
    last_activity_at = excluded.last_activity_at,
    created_at = excluded.created_at`);
  const del = db.prepare<[string, string]>('DELETE FROM modules WHERE device_id = ? AND module_id = ?');
  const delAll = db.prepare<[string]>('DELETE FROM modules WHERE device_id = ?');
  const setConnection = db.prepare<[string, number, number, string, string]>(
    'UPDATE modules SET connection_state = ?, connection_state_updated_at = ?, last_activity_at = ? WHERE device_id = ? AND module_id = ?',
  );
  const touch = db.prepare<[number, string, string]>('UPDATE modules SET last_activity_at = ? WHERE device_id = ? AND module_id = ?');
  return {
    get: (d, m) => {
      const row = get.get(d, m);
      return row === undefined ? undefined : toRecord(row);
    },
    list: (d) => list.all(d).map(toRecord),
    put: (record, condition) =>
      writeIf(
        db,
        condition,
        `module '${record.deviceId}/${record.moduleId}'`,
        () => etagOf.get(record.deviceId, record.moduleId)?.etag,
        () => void put.run(toRow(record)),
      ),
    delete: (d, m) => del.run(d, m).changes > 0,
    deleteAll: (d) => delAll.run(d).changes,
    setConnection: (d, m, state, atMs) => void setConnection.run(state, atMs, atMs, d, m),
    touch: (d, m, atMs) => void touch.run(atMs, d, m),
  };
}

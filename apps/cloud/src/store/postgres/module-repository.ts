import type { ModuleRepository } from '../ports.js';
import type { ConnectionState, ModuleRecord } from '../records.js';
import { authFromColumns, authToColumns, type AuthColumns } from '../sqlite/auth-columns.js';
import { recordWrites, run, writeRecord, type PgQueryable } from './pg-queryable.js';

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

const columns = [
  'device_id',
  'module_id',
  'generation_id',
  'etag',
  'managed_by',
  'auth_type',
  'primary_key',
  'secondary_key',
  'primary_thumbprint',
  'secondary_thumbprint',
  'connection_state',
  'connection_state_updated_at',
  'last_activity_at',
  'created_at',
] as const;

const writes = recordWrites('modules', columns, ['device_id', 'module_id']);

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

function toValues(m: ModuleRecord): unknown[] {
  const row: ModuleRow = {
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
  return columns.map((c) => row[c]);
}

/** PostgreSQL implementation of `ModuleRepository`. */
export function createPgModuleRepository(db: PgQueryable): ModuleRepository {
  return {
    async get(d, m) {
      const { rows } = await run<ModuleRow>(db, 'modules-get', 'SELECT * FROM modules WHERE device_id = $1 AND module_id = $2', [d, m]);
      return rows[0] === undefined ? undefined : toRecord(rows[0]);
    },
    async list(d) {
      const { rows } = await run<ModuleRow>(db, 'modules-list', 'SELECT * FROM modules WHERE device_id = $1 ORDER BY module_id', [d]);
      return rows.map(toRecord);
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

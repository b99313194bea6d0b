import type { ConfigurationRecord, ConnectionState, DeviceRecord, IdentityStatus, ModuleRecord, RolloutRecord, RolloutSnapshotRecord, TwinRecord } from './records.js';
import { authFromColumns, authToColumns, type AuthColumns } from './sqlite/auth-columns.js';

// Row mappers shared by the SQLite and PostgreSQL stores. The two drivers differ only in how JSON and boolean columns
// come back (SQLite: JSON text and 0/1; PostgreSQL: parsed jsonb and booleans) and how a boolean goes in; a
// `ColumnCodec` says which. JSON goes in as text for both (pg would send a JS array as a PostgreSQL array).

/** How a store's driver reads JSON and boolean columns and writes booleans. */
export interface ColumnCodec {
  readonly readJson: (column: unknown) => unknown;
  readonly readBool: (column: unknown) => boolean;
  readonly writeBool: (value: boolean) => unknown;
}

/** SQLite: JSON as text, booleans as 0/1. */
export const sqliteCodec: ColumnCodec = {
  readJson: (c) => JSON.parse(c as string) as unknown,
  readBool: (c) => c === 1,
  writeBool: (v) => (v ? 1 : 0),
};

/** PostgreSQL: jsonb and boolean columns come back as values. */
export const pgCodec: ColumnCodec = {
  readJson: (c) => c,
  readBool: (c) => c === true,
  writeBool: (v) => v,
};

/** A row as a driver returns it (column name → value). */
export type Row = Readonly<Record<string, unknown>>;

/** The values of `row` in the order of `columns` (positional parameters). */
export function columnValues<R extends object>(row: R, columns: readonly (keyof R)[]): unknown[] {
  return columns.map((c) => row[c]);
}

/** A `devices` row (`is_edge`: 0/1 in SQLite, boolean in PostgreSQL). */
export interface DeviceRow extends AuthColumns {
  device_id: string;
  generation_id: string;
  etag: string;
  status: string;
  status_reason: string | null;
  status_updated_at: number;
  is_edge: unknown;
  parent_device_id: string | null;
  connection_state: string;
  connection_state_updated_at: number | null;
  last_activity_at: number | null;
  created_at: number;
}

/** Columns of `devices`, in table order. */
export const deviceColumns = [
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
] as const satisfies readonly (keyof DeviceRow)[];

export function deviceFromRow(r: DeviceRow, codec: ColumnCodec): DeviceRecord {
  return {
    deviceId: r.device_id,
    generationId: r.generation_id,
    etag: r.etag,
    status: r.status as IdentityStatus,
    statusReason: r.status_reason,
    statusUpdatedAtMs: r.status_updated_at,
    authentication: authFromColumns(r),
    isEdge: codec.readBool(r.is_edge),
    parentDeviceId: r.parent_device_id,
    connectionState: r.connection_state as ConnectionState,
    connectionStateUpdatedAtMs: r.connection_state_updated_at,
    lastActivityAtMs: r.last_activity_at,
    createdAtMs: r.created_at,
  };
}

export function deviceRow(d: DeviceRecord, codec: ColumnCodec): DeviceRow {
  return {
    device_id: d.deviceId,
    generation_id: d.generationId,
    etag: d.etag,
    status: d.status,
    status_reason: d.statusReason,
    status_updated_at: d.statusUpdatedAtMs,
    ...authToColumns(d.authentication),
    is_edge: codec.writeBool(d.isEdge),
    parent_device_id: d.parentDeviceId,
    connection_state: d.connectionState,
    connection_state_updated_at: d.connectionStateUpdatedAtMs,
    last_activity_at: d.lastActivityAtMs,
    created_at: d.createdAtMs,
  };
}

/** A `modules` row (the same in both stores). */
export interface ModuleRow extends AuthColumns {
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

/** Columns of `modules`, in table order. */
export const moduleColumns = [
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
] as const satisfies readonly (keyof ModuleRow)[];

export function moduleFromRow(r: ModuleRow): ModuleRecord {
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

export function moduleRow(m: ModuleRecord): ModuleRow {
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

/** Columns of `configurations`, in the order of `configurationValues`. */
export const configurationColumns = [
  'id',
  'etag',
  'schema_version',
  'labels',
  'content',
  'target_condition',
  'priority',
  'metric_queries',
  'layered',
  'rollout',
  'created_at',
  'last_updated_at',
] as const;

export function configurationFromRow(r: Row, codec: ColumnCodec): ConfigurationRecord {
  return {
    id: r['id'] as string,
    etag: r['etag'] as string,
    schemaVersion: r['schema_version'] as string,
    labels: codec.readJson(r['labels']) as ConfigurationRecord['labels'],
    content: codec.readJson(r['content']) as ConfigurationRecord['content'],
    targetCondition: r['target_condition'] as string,
    priority: r['priority'] as number,
    metricQueries: codec.readJson(r['metric_queries']) as ConfigurationRecord['metricQueries'],
    layered: codec.readBool(r['layered']),
    rollout: r['rollout'] === null ? null : (codec.readJson(r['rollout']) as ConfigurationRecord['rollout']),
    createdAtMs: r['created_at'] as number,
    lastUpdatedAtMs: r['last_updated_at'] as number,
  };
}

export function configurationValues(c: ConfigurationRecord, codec: ColumnCodec): unknown[] {
  return [
    c.id,
    c.etag,
    c.schemaVersion,
    JSON.stringify(c.labels),
    JSON.stringify(c.content),
    c.targetCondition,
    c.priority,
    JSON.stringify(c.metricQueries),
    codec.writeBool(c.layered),
    c.rollout === null ? null : JSON.stringify(c.rollout),
    c.createdAtMs,
    c.lastUpdatedAtMs,
  ];
}

/** Columns of `rollouts`, in the order of `rolloutValues`. */
export const rolloutColumns = ['configuration_id', 'etag', 'state', 'updated_at'] as const;

export function rolloutFromRow(r: Row, codec: ColumnCodec): RolloutRecord {
  return {
    configurationId: r['configuration_id'] as string,
    etag: r['etag'] as string,
    state: codec.readJson(r['state']) as RolloutRecord['state'],
    updatedAtMs: r['updated_at'] as number,
  };
}

export function rolloutValues(r: RolloutRecord): unknown[] {
  return [r.configurationId, r.etag, JSON.stringify(r.state), r.updatedAtMs];
}

/** Columns of `rollout_snapshots`, in the order of `snapshotValues`. */
export const snapshotColumns = ['configuration_id', 'device_id', 'desired'] as const;

export function snapshotFromRow(r: Row, codec: ColumnCodec): RolloutSnapshotRecord {
  return {
    configurationId: r['configuration_id'] as string,
    deviceId: r['device_id'] as string,
    desired: codec.readJson(r['desired']) as RolloutSnapshotRecord['desired'],
  };
}

export function snapshotValues(s: RolloutSnapshotRecord): unknown[] {
  return [s.configurationId, s.deviceId, JSON.stringify(s.desired)];
}

/** `twins.configurations` as read: the record's `configurations` field, absent when the column is NULL. */
export function twinConfigurationsFromColumn(column: unknown, codec: ColumnCodec): Pick<TwinRecord, 'configurations'> {
  return column === null || column === undefined ? {} : { configurations: codec.readJson(column) as NonNullable<TwinRecord['configurations']> };
}

/** `twins.configurations` to write: JSON text, or NULL when the twin has none. */
export function twinConfigurationsColumn(t: TwinRecord): string | null {
  return t.configurations === undefined ? null : JSON.stringify(t.configurations);
}

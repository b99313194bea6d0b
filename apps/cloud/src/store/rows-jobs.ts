import type { JobCountsRecord, JobDeviceRecord, JobRecord } from './records.js';
import type { ColumnCodec, Row } from './rows.js';

// Row mappers of `jobs` and `job_devices`, shared by the SQLite and PostgreSQL job repositories the way rows.ts
// serves the other tables: payloads, outcomes and counts are JSON (text in SQLite, jsonb in PostgreSQL, read through
// the store's `ColumnCodec`) and go in as JSON text in both.

/** Columns of `jobs`, in the order of `jobValues`. */
export const jobColumns = [
  'job_id',
  'etag',
  'type',
  'query_condition',
  'status',
  'update_twin',
  'cloud_to_device_method',
  'created_at',
  'start_at',
  'run_started_at',
  'end_at',
  'max_execution_seconds',
  'failure_reason',
  'status_message',
  'counts',
  'updated_at',
] as const;

export function jobFromRow(r: Row, codec: ColumnCodec): JobRecord {
  return {
    jobId: r['job_id'] as string,
    etag: r['etag'] as string,
    type: r['type'] as JobRecord['type'],
    queryCondition: r['query_condition'] as string,
    status: r['status'] as JobRecord['status'],
    updateTwin: nullableJson(r['update_twin'], codec) as JobRecord['updateTwin'],
    cloudToDeviceMethod: nullableJson(r['cloud_to_device_method'], codec) as JobRecord['cloudToDeviceMethod'],
    createdAtMs: r['created_at'] as number,
    startAtMs: r['start_at'] as number,
    runStartedAtMs: r['run_started_at'] as number | null,
    endAtMs: r['end_at'] as number | null,
    maxExecutionTimeInSeconds: r['max_execution_seconds'] as number,
    failureReason: r['failure_reason'] as string | null,
    statusMessage: r['status_message'] as string | null,
    counts: codec.readJson(r['counts']) as JobCountsRecord,
    updatedAtMs: r['updated_at'] as number,
  };
}

export function jobValues(j: JobRecord): unknown[] {
  return [
    j.jobId,
    j.etag,
    j.type,
    j.queryCondition,
    j.status,
    jsonText(j.updateTwin),
    jsonText(j.cloudToDeviceMethod),
    j.createdAtMs,
    j.startAtMs,
    j.runStartedAtMs,
    j.endAtMs,
    j.maxExecutionTimeInSeconds,
    j.failureReason,
    j.statusMessage,
    JSON.stringify(j.counts),
    j.updatedAtMs,
  ];
}

export function jobDeviceFromRow(r: Row, codec: ColumnCodec): JobDeviceRecord {
  return {
    jobId: r['job_id'] as string,
    deviceId: r['device_id'] as string,
    status: r['status'] as JobDeviceRecord['status'],
    outcome: nullableJson(r['outcome'], codec) as JobDeviceRecord['outcome'],
    error: nullableJson(r['error'], codec) as JobDeviceRecord['error'],
    updatedAtMs: r['updated_at'] as number,
  };
}

/** A nullable JSON value as JSON text, or NULL. */
export function jsonText(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

function nullableJson(column: unknown, codec: ColumnCodec): unknown {
  return column === null || column === undefined ? null : codec.readJson(column);
}

import {
  IDENTITY_ID_PATTERN,
  JobTypeSchema,
  TERMINAL_JOB_STATUSES,
  VergeError,
  isVergeError,
  type DeviceJobDto,
  type JobDto,
  type JobRequest,
} from '@verge/contracts';
import { assertTwinPatch, parseConditionText, parseQuery, type QueryDialect } from '@verge/core';
import type { JobCountsRecord, JobDeviceRecord, JobRecord } from '../../store/records.js';

// Pure parts of jobs: turning a request into a record, records into IoT Hub's JSON, and the status rules.

/** The azure-iothub JobClient's default when a caller gives no maximum execution time. */
export const DEFAULT_MAX_EXECUTION_SECONDS = 3600;

/** The twin query that resolves a job's devices. */
export function deviceQueryOf(queryCondition: string): string {
  return `SELECT deviceId FROM devices WHERE ${queryCondition}`;
}

/**
 * `queryCondition` is a WHERE clause on its own: it is parsed as one condition first, so a syntax error names the
 * column in the caller's text (not in the query built around it) and trailing clauses (`GROUP BY …`) are refused.
 */
const QUERY_CONDITION_DIALECT: QueryDialect = { code: 'QUERY_INVALID', label: 'queryCondition', target: false };

/** True once a job can change no more. */
export function isTerminal(status: JobRecord['status']): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

/** Counts of a job whose devices are not resolved yet. */
export const NO_COUNTS: JobCountsRecord = { deviceCount: 0, failedCount: 0, succeededCount: 0, runningCount: 0, pendingCount: 0 };

/** Counts from the device rows' statuses, `running` of the pending ones being processed now. */
export function countsOf(rows: { readonly pending: number; readonly completed: number; readonly failed: number }, running = 0): JobCountsRecord {
  const inFlight = Math.min(running, rows.pending);
  return {
    deviceCount: rows.pending + rows.completed + rows.failed,
    failedCount: rows.failed,
    succeededCount: rows.completed,
    runningCount: inFlight,
    pendingCount: rows.pending - inFlight,
  };
}

/**
 * Validates a `PUT /jobs/v2/{id}` body (already shape-checked by `JobRequestSchema`) and builds the new record:
 * `scheduled` when `startTime` lies ahead, otherwise `queued`. Throws JOB_REQUEST_INVALID naming the field,
 * QUERY_INVALID for a `queryCondition` the query language refuses, or the TWIN_* code of a twin patch that breaks
 * IoT Hub's twin rules (keys, values, depth).
 */
export function newJobRecord(jobId: string, request: JobRequest, nowMs: number, etag: string): JobRecord {
  if (!IDENTITY_ID_PATTERN.test(jobId)) invalidThrow('jobId', `'${jobId.slice(0, 140)}' is not a valid job id (1 to 128 letters, digits or -:.+%_#*?!(),=@;$')`);
  if (request.jobId !== undefined && request.jobId !== null && request.jobId !== jobId) {
    invalidThrow('jobId', `'${request.jobId}' in the body differs from '${jobId}' in the path`);
  }
  const type = JobTypeSchema.safeParse(request.type);
  if (!type.success) invalidThrow('type', `'${request.type}' is not a job type Verge runs (scheduleUpdateTwin, scheduleDeviceMethod)`);
  parseConditionText(request.queryCondition, QUERY_CONDITION_DIALECT);
  try {
    parseQuery(deviceQueryOf(request.queryCondition));
  } catch (e) {
    if (isVergeError(e, 'QUERY_INVALID')) throw new VergeError('QUERY_INVALID', `queryCondition: ${e.message}`, { details: e.details, cause: e });
    throw e;
  }
  const startAtMs = request.startTime === undefined || request.startTime === null ? nowMs : Date.parse(request.startTime);
  if (Number.isNaN(startAtMs)) invalidThrow('startTime', `'${String(request.startTime).slice(0, 40)}' is not an ISO-8601 time`);
  let updateTwin: Record<string, unknown> | null = null;
  let method: Record<string, unknown> | null = null;
  if (type.data === 'scheduleUpdateTwin') {
    const patch = request.updateTwin;
    if (patch === undefined || patch === null) invalidThrow('updateTwin', 'a scheduleUpdateTwin job needs the twin patch to apply');
    if (patch.properties?.reported !== undefined) invalidThrow('updateTwin.properties.reported', 'reported properties are written by devices only');
    const desired = patch.properties?.desired ?? undefined;
    const tags = patch.tags ?? undefined;
    if (desired === undefined && tags === undefined) invalidThrow('updateTwin', 'the patch changes nothing: give tags or properties.desired');
    // The rules PATCH /twins applies, checked here so a bad patch is refused at once instead of failing on every device.
    if (tags !== undefined) assertTwinPatch('tags', tags, { basePath: 'updateTwin.tags' });
    if (desired !== undefined) assertTwinPatch('desired', desired, { basePath: 'updateTwin.properties.desired' });
    updateTwin = { ...(tags === undefined ? {} : { tags }), ...(desired === undefined ? {} : { properties: { desired } }) };
  } else {
    const m = request.cloudToDeviceMethod;
    if (m === undefined || m === null) invalidThrow('cloudToDeviceMethod', 'a scheduleDeviceMethod job needs the method to invoke (methodName, payload)');
    method = {
      methodName: m.methodName,
      payload: m.payload ?? null,
      ...(m.responseTimeoutInSeconds === undefined || m.responseTimeoutInSeconds === null ? {} : { responseTimeoutInSeconds: m.responseTimeoutInSeconds }),
      ...(m.connectTimeoutInSeconds === undefined || m.connectTimeoutInSeconds === null ? {} : { connectTimeoutInSeconds: m.connectTimeoutInSeconds }),
    };
  }
  return {
    jobId,
    etag,
    type: type.data,
    queryCondition: request.queryCondition,
    status: startAtMs > nowMs ? 'scheduled' : 'queued',
    updateTwin,
    cloudToDeviceMethod: method,
    createdAtMs: nowMs,
    startAtMs,
    runStartedAtMs: null,
    endAtMs: null,
    maxExecutionTimeInSeconds: request.maxExecutionTimeInSeconds ?? DEFAULT_MAX_EXECUTION_SECONDS,
    failureReason: null,
    statusMessage: null,
    counts: NO_COUNTS,
    updatedAtMs: nowMs,
  };
}

function invalidThrow(path: string, message: string): never {
  throw new VergeError('JOB_REQUEST_INVALID', `${path}: ${message}`, { details: { path } });
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A job as IoT Hub's `JobResponse`. */
export function jobToDto(job: JobRecord): JobDto {
  return {
    jobId: job.jobId,
    queryCondition: job.queryCondition,
    createdTime: iso(job.createdAtMs),
    startTime: iso(job.startAtMs),
    ...(job.endAtMs === null ? {} : { endTime: iso(job.endAtMs) }),
    maxExecutionTimeInSeconds: job.maxExecutionTimeInSeconds,
    type: job.type,
    status: job.status,
    ...(job.failureReason === null ? {} : { failureReason: job.failureReason }),
    ...(job.statusMessage === null ? {} : { statusMessage: job.statusMessage }),
    ...(job.updateTwin === null ? {} : { updateTwin: { ...job.updateTwin } }),
    ...(job.cloudToDeviceMethod === null ? {} : { cloudToDeviceMethod: { ...job.cloudToDeviceMethod } }),
    deviceJobStatistics: { ...job.counts },
  };
}

/** A device's outcome; `errorCode` maps Verge's code onto IoT Hub's name (the HTTP layer knows the table). */
export function deviceJobToDto(row: JobDeviceRecord, errorCode: (code: string) => string): DeviceJobDto {
  const response = row.outcome?.['deviceMethodResponse'] as { status: number; payload: unknown } | undefined;
  return {
    jobId: row.jobId,
    deviceId: row.deviceId,
    status: row.status,
    lastUpdatedDateTime: iso(row.updatedAtMs),
    ...(response === undefined ? {} : { outcome: { deviceMethodResponse: response } }),
    ...(row.error === null ? {} : { error: { code: errorCode(row.error.code), description: row.error.message } }),
  };
}

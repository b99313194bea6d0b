import { JobStatusSchema, JobTypeSchema, VergeError, type DeviceJobDto, type JobDto, type JobRequest } from '@verge/contracts';
import { isStoreConflict, retryOnConflict } from '../../store/ports.js';
import type { JobDeviceRecord, JobRecord } from '../../store/records.js';
import type { ServiceContext } from '../context.js';
import { newEtag } from '../identity-values.js';
import { deviceJobToDto, isTerminal, jobToDto, newJobRecord } from './job-records.js';

/** One page of `GET /jobs/v2/query`. */
export interface JobPage {
  readonly items: readonly JobDto[];
  readonly continuationToken?: string;
}

/** One page of a job's device outcomes. */
export interface DeviceJobPage {
  readonly items: readonly DeviceJobDto[];
  readonly continuationToken?: string;
}

/** IoT Hub jobs v2 (`/jobs/v2`): create, read, cancel, list. The runner (`job-runner.ts`) executes them. */
export interface JobService {
  /** `PUT /jobs/v2/{id}`: JOB_ALREADY_EXISTS when the id is taken, JOB_REQUEST_INVALID / QUERY_INVALID for bad input. */
  create(jobId: string, request: JobRequest): Promise<JobDto>;
  get(jobId: string): Promise<JobDto>;
  /** Cancels a job that has not ended; a job that has ended is returned as it is. */
  cancel(jobId: string): Promise<JobDto>;
  /** Jobs ordered by id, filtered by IoT Hub's `jobType` and `jobStatus` (JOB_QUERY_INVALID for others). */
  query(filter: { readonly jobType?: string; readonly jobStatus?: string }, pageSize: number, continuationToken?: string): Promise<JobPage>;
  /** The job's devices and their outcomes, ordered by device id. */
  devices(jobId: string, filter: { readonly status?: string }, pageSize: number, continuationToken: string | undefined, errorCode: (code: string) => string): Promise<DeviceJobPage>;
}

/** Builds the job service; every change publishes `jobChanged` (the runner and the other instances listen). */
export function createJobService(ctx: ServiceContext): JobService {
  const { store, bus, clock, random } = ctx;

  const require = async (jobId: string): Promise<JobRecord> => {
    const job = await store.jobs.get(jobId);
    if (job === undefined) throw new VergeError('JOB_NOT_FOUND', `job '${jobId}' does not exist`, { details: { jobId } });
    return job;
  };

  return {
    async create(jobId, request) {
      const record = newJobRecord(jobId, request, clock.nowMs(), newEtag(random));
      try {
        await store.jobs.put(record, { ifAbsent: true });
      } catch (e) {
        if (!isStoreConflict(e)) throw e;
        throw new VergeError('JOB_ALREADY_EXISTS', `job '${jobId}' already exists; job ids are never reused`, { details: { jobId } });
      }
      bus.publish('jobChanged', { jobId });
      return jobToDto(record);
    },
    get: async (jobId) => jobToDto(await require(jobId)),
    async cancel(jobId) {
      const { job, changed } = await retryOnConflict(async () => {
        const current = await require(jobId);
        if (isTerminal(current.status)) return { job: current, changed: false };
        const now = clock.nowMs();
        const next: JobRecord = { ...current, etag: newEtag(random), status: 'cancelled', endAtMs: now, updatedAtMs: now, counts: { ...current.counts, runningCount: 0, pendingCount: current.counts.pendingCount + current.counts.runningCount } };
        await store.jobs.put(next, { ifEtag: current.etag });
        return { job: next, changed: true };
      });
      if (changed) bus.publish('jobChanged', { jobId });
      return jobToDto(job);
    },
    async query(filter, pageSize, continuationToken) {
      const type = filter.jobType === undefined || filter.jobType === '' ? undefined : JobTypeSchema.safeParse(filter.jobType);
      if (type !== undefined && !type.success) throw queryInvalid('jobType', `'${filter.jobType}' is not a job type (scheduleUpdateTwin, scheduleDeviceMethod)`);
      const status = filter.jobStatus === undefined || filter.jobStatus === '' ? undefined : JobStatusSchema.safeParse(filter.jobStatus);
      if (status !== undefined && !status.success) throw queryInvalid('jobStatus', `'${filter.jobStatus}' is not a job status (${JobStatusSchema.options.join(', ')})`);
      const after = continuationToken === undefined ? undefined : decodeToken(continuationToken);
      const rows = await store.jobs.list({
        ...(type === undefined ? {} : { type: type.data }),
        ...(status === undefined ? {} : { statuses: [status.data] }),
        ...(after === undefined ? {} : { afterJobId: after }),
        limit: pageSize + 1,
      });
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      return { items: page.map(jobToDto), ...(rows.length > pageSize && last !== undefined ? { continuationToken: encodeToken(last.jobId) } : {}) };
    },
    async devices(jobId, filter, pageSize, continuationToken, errorCode) {
      await require(jobId);
      const statuses: readonly JobDeviceRecord['status'][] = ['pending', 'completed', 'failed'];
      const status = filter.status === undefined || filter.status === '' ? undefined : statuses.find((s) => s === filter.status);
      if (filter.status !== undefined && filter.status !== '' && status === undefined) throw queryInvalid('status', `'${filter.status}' is not a device job status (${statuses.join(', ')})`);
      const after = continuationToken === undefined ? undefined : decodeToken(continuationToken);
      const rows = await store.jobs.devices(jobId, { ...(status === undefined ? {} : { status }), ...(after === undefined ? {} : { afterDeviceId: after }), limit: pageSize + 1 });
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      return { items: page.map((r) => deviceJobToDto(r, errorCode)), ...(rows.length > pageSize && last !== undefined ? { continuationToken: encodeToken(last.deviceId) } : {}) };
    },
  };
}

function queryInvalid(path: string, message: string): VergeError {
  return new VergeError('JOB_QUERY_INVALID', `${path}: ${message}`, { details: { path } });
}

// Continuation tokens carry the last id of the previous page.
function encodeToken(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

function decodeToken(token: string): string {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString()) as { after?: unknown };
    if (typeof v.after === 'string') return v.after;
  } catch {
    // fall through
  }
  throw queryInvalid('x-ms-continuation', `'${token.slice(0, 40)}' is not a continuation token of this query`);
}

import {
  DeviceJobDtoSchema,
  JobDtoSchema,
  QUERY_CONTINUATION_HEADER,
  QUERY_MAX_ITEM_COUNT_HEADER,
  type DeviceJobDto,
  type JobDto,
  type JobStatus,
  type JobTwinPatch,
  type JobType,
} from '@verge/contracts';
import { expectArrayOf, expectBody } from './decode.js';
import { segment, type Transport } from './transport.js';

/** What a new job does and to which devices (`PUT /jobs/v2/{id}`). */
export type JobCreateInput = {
  /** WHERE clause over device twins. */
  readonly queryCondition: string;
  /** Default now. */
  readonly startTime?: Date;
  /** Default 3600 (the server's). */
  readonly maxExecutionTimeInSeconds?: number;
} & (
  | { readonly type: 'scheduleUpdateTwin'; readonly updateTwin: JobTwinPatch }
  | {
      readonly type: 'scheduleDeviceMethod';
      readonly cloudToDeviceMethod: { readonly methodName: string; readonly payload?: unknown; readonly responseTimeoutInSeconds?: number; readonly connectTimeoutInSeconds?: number };
    }
);

/** One page of a job listing. */
export interface Page<T> {
  readonly items: T[];
  readonly continuationToken?: string;
}

/** IoT Hub jobs v2 (`/jobs/v2`), as azure-iothub's JobClient uses them, plus Verge's per-device outcomes. */
export interface JobOperations {
  create(jobId: string, input: JobCreateInput, signal?: AbortSignal): Promise<JobDto>;
  get(jobId: string, signal?: AbortSignal): Promise<JobDto>;
  cancel(jobId: string, signal?: AbortSignal): Promise<JobDto>;
  /** One page of `GET /jobs/v2/query` (ordered by job id). */
  listPage(filter?: { readonly type?: JobType; readonly status?: JobStatus; readonly pageSize?: number }, continuationToken?: string, signal?: AbortSignal): Promise<Page<JobDto>>;
  /** One page of `GET /jobs/v2/{id}/devices` (ordered by device id). */
  devicesPage(jobId: string, filter?: { readonly status?: DeviceJobDto['status']; readonly pageSize?: number }, continuationToken?: string, signal?: AbortSignal): Promise<Page<DeviceJobDto>>;
}

/** Builds the job operations over a transport. */
export function createJobOperations(transport: Transport): JobOperations {
  const paged = async <T>(
    path: string,
    query: Record<string, string | undefined>,
    pageSize: number | undefined,
    token: string | undefined,
    signal: AbortSignal | undefined,
    read: (body: unknown) => T[],
  ): Promise<Page<T>> => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers[QUERY_CONTINUATION_HEADER] = token;
    if (pageSize !== undefined) headers[QUERY_MAX_ITEM_COUNT_HEADER] = String(pageSize);
    const res = await transport.request({ method: 'GET', path, query, headers, signal });
    const next = res.headers.get(QUERY_CONTINUATION_HEADER);
    return { items: read(res.body), ...(next === null || next === '' ? {} : { continuationToken: next }) };
  };
  return {
    async create(jobId, input, signal) {
      const { startTime, ...rest } = input;
      const json = { jobId, ...rest, ...(startTime === undefined ? {} : { startTime: startTime.toISOString() }) };
      const res = await transport.request({ method: 'PUT', path: `/jobs/v2/${segment(jobId)}`, json, signal });
      return expectBody(JobDtoSchema, res.body, 'create job');
    },
    async get(jobId, signal) {
      const res = await transport.request({ method: 'GET', path: `/jobs/v2/${segment(jobId)}`, signal });
      return expectBody(JobDtoSchema, res.body, 'get job');
    },
    async cancel(jobId, signal) {
      const res = await transport.request({ method: 'POST', path: `/jobs/v2/${segment(jobId)}/cancel`, json: {}, signal });
      return expectBody(JobDtoSchema, res.body, 'cancel job');
    },
    listPage: (filter = {}, token, signal) =>
      paged('/jobs/v2/query', { jobType: filter.type, jobStatus: filter.status }, filter.pageSize, token, signal, (body) => expectArrayOf(JobDtoSchema, body, 'list jobs')),
    devicesPage: (jobId, filter = {}, token, signal) =>
      paged(`/jobs/v2/${segment(jobId)}/devices`, { status: filter.status }, filter.pageSize, token, signal, (body) => expectArrayOf(DeviceJobDtoSchema, body, 'list job devices')),
  };
}

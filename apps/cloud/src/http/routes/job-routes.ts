import { z } from 'zod';
import {
  DeviceJobDtoSchema,
  JobDtoSchema,
  JobRequestSchema,
  QUERY_CONTINUATION_HEADER,
  QUERY_MAX_ITEM_COUNT_HEADER,
  VergeError,
  errorRegistry,
} from '@verge/contracts';
import { parseOrThrow } from '@verge/platform';
import { header, param, type ApiRoute } from '../api-route.js';
import type { ApiDeps } from '../api-deps.js';
import { iotHubErrorCode } from '../iothub-error-body.js';

/** Page size of job queries when the client sends none, and the largest served. */
const DEFAULT_JOB_PAGE_SIZE = 100;
const MAX_JOB_PAGE_SIZE = 1000;

const idParam = { id: 'Job id (URL-encoded).' };

const JobQuerySchema = z.looseObject({
  jobType: z.string().optional().meta({ description: '`scheduleUpdateTwin` or `scheduleDeviceMethod`.' }),
  jobStatus: z.string().optional().meta({ description: 'queued, scheduled, running, completed, failed or cancelled.' }),
  pageSize: z.string().optional().meta({ description: `Page size, 1 to ${MAX_JOB_PAGE_SIZE} (also as the \`${QUERY_MAX_ITEM_COUNT_HEADER}\` header).` }),
});

const DeviceJobQuerySchema = z.looseObject({
  status: z.string().optional().meta({ description: 'pending, completed or failed.' }),
  pageSize: z.string().optional().meta({ description: `Page size, 1 to ${MAX_JOB_PAGE_SIZE}.` }),
});

const pagingHeaders = [
  { name: QUERY_MAX_ITEM_COUNT_HEADER, description: `Page size, 1 to ${MAX_JOB_PAGE_SIZE} (default ${DEFAULT_JOB_PAGE_SIZE}).` },
  { name: QUERY_CONTINUATION_HEADER, description: 'The continuation token of the previous page.' },
];

function pageSize(raw: string | undefined, where: string): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_JOB_PAGE_SIZE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new VergeError('VALIDATION_FAILED', `${where}: '${raw.slice(0, 20)}' is not a positive integer`, { details: { issues: [{ path: where, message: 'must be a positive integer' }] } });
  }
  return Math.min(n, MAX_JOB_PAGE_SIZE);
}

/** IoT Hub's error name for a Verge code stored with a device outcome. */
function iotHubCodeOf(code: string): string {
  const spec = (errorRegistry as Record<string, { status: number } | undefined>)[code];
  return iotHubErrorCode(code, spec?.status ?? 500);
}

/** `/jobs/v2` routes: IoT Hub jobs (azure-iothub `JobClient`), plus Verge's per-device outcomes. */
export function jobRoutes(deps: ApiDeps): ApiRoute[] {
  return [
    {
      method: 'GET',
      url: '/jobs/v2/query',
      operationId: 'queryJobs',
      summary: 'List jobs, ordered by id',
      description: 'Paged: the response carries `x-ms-continuation` while more pages follow; send it back to get the next page (JobClient `createQuery`).',
      tag: 'jobs',
      auth: 'RegistryRead',
      query: JobQuerySchema,
      headers: pagingHeaders,
      responses: { 200: { description: 'One page of jobs.', schema: z.array(JobDtoSchema), headers: [{ name: QUERY_CONTINUATION_HEADER, description: 'Present when more pages follow.' }] } },
      handler: async (req, reply) => {
        const q = parseOrThrow(JobQuerySchema, req.query, 'query string');
        const size = pageSize(header(req, QUERY_MAX_ITEM_COUNT_HEADER) ?? q.pageSize, 'pageSize');
        const continuation = header(req, QUERY_CONTINUATION_HEADER);
        const page = await deps.jobs.query(
          { ...(q.jobType === undefined ? {} : { jobType: q.jobType }), ...(q.jobStatus === undefined ? {} : { jobStatus: q.jobStatus }) },
          size,
          continuation === undefined || continuation === '' ? undefined : continuation,
        );
        if (page.continuationToken !== undefined) reply.header(QUERY_CONTINUATION_HEADER, page.continuationToken);
        return page.items;
      },
    },
    {
      method: 'PUT',
      url: '/jobs/v2/:id',
      operationId: 'createJob',
      summary: 'Schedule a job: a twin update or a direct method on the devices matching a query condition',
      description:
        '`type` `scheduleUpdateTwin` (with `updateTwin`: tags and/or properties.desired, merged into each twin) or `scheduleDeviceMethod` (with `cloudToDeviceMethod`). `queryCondition` is a WHERE clause over device twins, resolved when the job starts; `startTime` (ISO-8601, default now) and `maxExecutionTimeInSeconds` (default 3600).',
      tag: 'jobs',
      auth: 'RegistryWrite',
      params: idParam,
      body: { schema: JobRequestSchema },
      responses: { 200: { description: 'The job as created (`queued`, or `scheduled` when it starts later).', schema: JobDtoSchema } },
      handler: (req) => deps.jobs.create(param(req, 'id'), parseOrThrow(JobRequestSchema, req.body, 'request body')),
    },
    {
      method: 'GET',
      url: '/jobs/v2/:id',
      operationId: 'getJob',
      summary: 'Get a job with its device counts',
      tag: 'jobs',
      auth: 'RegistryRead',
      params: idParam,
      responses: { 200: { description: 'The job.', schema: JobDtoSchema } },
      handler: (req) => deps.jobs.get(param(req, 'id')),
    },
    {
      method: 'POST',
      url: '/jobs/v2/:id/cancel',
      operationId: 'cancelJob',
      summary: 'Cancel a job',
      description: 'Devices not processed yet stay pending. A job that has already ended is returned unchanged.',
      tag: 'jobs',
      auth: 'RegistryWrite',
      params: idParam,
      responses: { 200: { description: 'The job.', schema: JobDtoSchema } },
      handler: (req) => deps.jobs.cancel(param(req, 'id')),
    },
    {
      method: 'GET',
      url: '/jobs/v2/:id/devices',
      operationId: 'listJobDevices',
      summary: "A job's devices and their outcomes (Verge; IoT Hub shows these through `devices.jobs` queries)",
      tag: 'jobs',
      auth: 'RegistryRead',
      params: idParam,
      query: DeviceJobQuerySchema,
      headers: pagingHeaders,
      responses: { 200: { description: 'One page of device outcomes, ordered by device id.', schema: z.array(DeviceJobDtoSchema), headers: [{ name: QUERY_CONTINUATION_HEADER, description: 'Present when more pages follow.' }] } },
      handler: async (req, reply) => {
        const q = parseOrThrow(DeviceJobQuerySchema, req.query, 'query string');
        const continuation = header(req, QUERY_CONTINUATION_HEADER);
        const page = await deps.jobs.devices(
          param(req, 'id'),
          q.status === undefined ? {} : { status: q.status },
          pageSize(header(req, QUERY_MAX_ITEM_COUNT_HEADER) ?? q.pageSize, 'pageSize'),
          continuation === undefined || continuation === '' ? undefined : continuation,
          iotHubCodeOf,
        );
        if (page.continuationToken !== undefined) reply.header(QUERY_CONTINUATION_HEADER, page.continuationToken);
        return page.items;
      },
    },
  ];
}

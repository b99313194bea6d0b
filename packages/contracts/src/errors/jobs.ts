import { defineErrors } from './define.js';

/** Error codes of the cloud's jobs (IoT Hub jobs v2) and bulk registry operations. Codes are API: deprecate, never rename. */
export const jobErrors = defineErrors({
  JOB_NOT_FOUND: { status: 404, description: 'No job with this id exists.' },
  JOB_ALREADY_EXISTS: {
    status: 409,
    description: 'A job with this id already exists (job ids are never reused, even after the job finished).',
  },
  JOB_REQUEST_INVALID: {
    status: 400,
    description:
      'A job request is not valid: an unknown `type`, a missing `updateTwin` or `cloudToDeviceMethod` for its type, a `startTime` that is not an ISO-8601 time, a `maxExecutionTimeInSeconds` out of range, or a `jobId` in the body that differs from the URL. The message names the field.',
  },
  JOB_QUERY_INVALID: {
    status: 400,
    description: 'The `jobType` or `jobStatus` filter of a job query is not one IoT Hub defines, or its continuation token is malformed.',
  },
  BULK_REQUEST_INVALID: {
    status: 400,
    description:
      'A bulk registry request (`POST /devices`) is not an array of 1 to 100 devices, or an entry lacks `id` or has an unknown `importMode`. The message names the entry.',
  },
});

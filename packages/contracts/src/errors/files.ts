import { defineErrors } from './define.js';

/**
 * Error codes of file upload (IoT Hub's `/devices/{id}/files` flow backed by the cloud's blob store) and of
 * the agent's upload methods (`UploadModuleLogs`, `UploadSupportBundle`, `GetTaskStatus`). Codes are API.
 */
export const fileErrors = defineErrors({
  CLD_FILE_UPLOAD_INVALID: {
    status: 400,
    description:
      'A file-upload request is not what IoT Hub accepts: `blobName` missing, empty, longer than 1024 characters or naming a path segment `.`/`..`; a notification without `correlationId` or `isSuccess`; the message names the field.',
  },
  CLD_FILE_CORRELATION_UNKNOWN: {
    status: 404,
    description:
      'A file-upload notification names a `correlationId` this cloud did not hand out to that device, or one already notified or expired (1 hour); ask for a new SAS URI with `POST /devices/{id}/files`.',
  },
  CLD_FILE_UPLOADS_EXCEEDED: {
    status: 429,
    description: 'The device already has 10 file uploads in progress (IoT Hub\'s limit); notify the ones done (`/files/notifications`) first.',
  },
  CLD_FILE_NOT_FOUND: {
    status: 404,
    description: 'No uploaded blob has this name (`GET /files/blobs/{name}`, `verge files get`); list them with `verge files list`.',
  },
  CLD_BLOB_STORE_UNAVAILABLE: {
    status: 503,
    description:
      "The cloud's blob store (Azurite, started by the cloud in `DATA/blob`, or the external store of `--blob-store external`) is disabled (`--blob-store none`), could not start (its port `--blob-port` is taken, its certificate is missing), stopped, or cannot be used (unreachable, its TLS certificate not verified, the account key refused); the message names the cause.",
  },
  AGT_TASK_NOT_FOUND: {
    status: 404,
    description: '`GetTaskStatus` names a `correlationId` that no `UploadModuleLogs`/`UploadSupportBundle` call of this agent returned (tasks are kept in memory until the runtime restarts).',
  },
  AGT_UPLOAD_FAILED: {
    status: 502,
    description:
      'An upload of `UploadModuleLogs`/`UploadSupportBundle` to the caller\'s `sasUrl` failed: the host does not answer, its certificate is not trusted, or the store refused the PUT (expired or read-only SAS, missing container); the task ends `Failed` with this message.',
  },
});

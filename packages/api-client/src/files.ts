import { FileNotificationSchema, UploadSasUrlSchema, UploadedBlobSchema } from '@verge/contracts';
import { expectArrayOf, expectBody } from './decode.js';
import type { Transport } from './transport.js';
import type { FileNotificationDto, UploadedBlobDto } from '@verge/contracts';

/** What devices uploaded through IoT Hub file upload (`/files/…` of the cloud, ServiceConnect). */
export interface FileOperations {
  /** Uploaded blobs (`{deviceId}/{blobName}`), optionally those starting with `prefix`. */
  list(prefix?: string, signal?: AbortSignal): Promise<UploadedBlobDto[]>;
  /** One blob's bytes and content type; ApiError CLD_FILE_NOT_FOUND when absent. */
  download(name: string, signal?: AbortSignal): Promise<{ bytes: Uint8Array; contentType: string }>;
  /** File-upload notifications, oldest first. */
  notifications(deviceId?: string, signal?: AbortSignal): Promise<FileNotificationDto[]>;
  /** A container SAS URL of the upload container (for `$edgeAgent` `UploadModuleLogs`/`UploadSupportBundle`). */
  sasUrl(ttlSec?: number, signal?: AbortSignal): Promise<string>;
}

/** The file operations over the client's transport. */
export function createFileOperations(transport: Transport): FileOperations {
  return {
    list: async (prefix, signal) => expectArrayOf(UploadedBlobSchema, (await transport.request({ method: 'GET', path: '/files/blobs', query: { prefix }, signal })).body, 'list uploaded files'),
    download: async (name, signal) => {
      const res = await transport.open({ method: 'GET', path: '/files/blob', query: { name }, signal });
      return { bytes: new Uint8Array(await res.arrayBuffer()), contentType: res.headers.get('content-type') ?? 'application/octet-stream' };
    },
    notifications: async (deviceId, signal) =>
      expectArrayOf(FileNotificationSchema, (await transport.request({ method: 'GET', path: '/files/notifications', query: { deviceId }, signal })).body, 'list file notifications'),
    sasUrl: async (ttlSec, signal) =>
      expectBody(UploadSasUrlSchema, (await transport.request({ method: 'POST', path: '/files/sas', json: ttlSec === undefined ? {} : { ttlSec }, signal })).body, 'create an upload SAS URL').sasUrl,
  };
}

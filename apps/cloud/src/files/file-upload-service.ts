import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { VergeError, type FileNotificationDto, type FileUploadSasDto } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import { NOTIFICATION_CONTAINER, UPLOAD_CONTAINER, type BlobEntry, type BlobStore } from './blob-store.js';
import { createPendingUploads } from './pending-uploads.js';

/** IoT Hub's limits on file upload. */
export const FILE_UPLOAD_LIMITS = {
  /** Azure Blob names are at most 1024 characters. */
  maxBlobNameLength: 1024,
  /** IoT Hub: 10 concurrent uploads per device. */
  maxPendingPerDevice: 10,
  /** IoT Hub's default SAS lifetime (and how long a correlation id stays valid). */
  sasTtlMs: 60 * 60 * 1000,
} as const;

/** `POST /devices/{id}/files` answer (IoT Hub's shape). */
export type FileUploadSas = FileUploadSasDto;

/** The body of `POST /devices/{id}/files/notifications[/{correlationId}]`. */
export const FileUploadNotificationSchema = z.looseObject({
  correlationId: z.string().min(1).optional(),
  isSuccess: z.boolean(),
  statusCode: z.number().int().optional(),
  statusDescription: z.string().optional(),
});
export type FileUploadNotificationInput = z.infer<typeof FileUploadNotificationSchema>;

/** A recorded file-upload notification (IoT Hub's file notification fields, plus the device's outcome). */
export type FileNotification = FileNotificationDto;

/** IoT Hub's file upload over the cloud's blob store, and what operators read of it. */
export interface FileUploadService {
  createSas(deviceId: string, blobName: unknown): Promise<FileUploadSas>;
  notify(deviceId: string, correlationId: string | undefined, body: unknown): Promise<FileNotification>;
  listBlobs(prefix?: string): Promise<BlobEntry[]>;
  download(name: string): Promise<{ body: Buffer; contentType?: string }>;
  notifications(deviceId?: string): Promise<FileNotification[]>;
  /** A container SAS URL of the upload container (what `UploadModuleLogs`/`UploadSupportBundle` take). */
  uploadSasUrl(ttlMs?: number): Promise<string>;
}

/**
 * File upload (IoT Hub): a device asks for a SAS URI for `blobName` (stored as `{deviceId}/{blobName}`, write
 * access for one hour) and gets a correlation id; it PUTs the blob to the store itself, then notifies the outcome
 * with that id. Pending correlation ids and notifications are kept in the blob store (pending-uploads.ts, container
 * `file-notifications`): they survive restarts, and instances sharing one store serve each other's devices.
 */
export function createFileUploadService(deps: {
  readonly blobs: BlobStore;
  readonly nowMs: () => number;
  readonly log: Logger;
  /** Called with each recorded notification (after it is stored): the service-bound queue of file notifications. */
  readonly notified?: (n: FileNotification) => Promise<void>;
}): FileUploadService {
  const pending = createPendingUploads(deps.blobs, deps.nowMs, deps.log);
  return {
    async createSas(deviceId, blobName) {
      const name = checkBlobName(blobName);
      // Two requests racing on two instances may both pass at 9: the limit is IoT Hub's courtesy, not a security bound.
      const mine = await pending.count(deviceId);
      if (mine >= FILE_UPLOAD_LIMITS.maxPendingPerDevice) {
        throw new VergeError('CLD_FILE_UPLOADS_EXCEEDED', `device '${deviceId}' already has ${mine} file uploads in progress (at most ${FILE_UPLOAD_LIMITS.maxPendingPerDevice}); notify the finished ones first`, { details: { deviceId } });
      }
      const sas = await deps.blobs.blobSas(UPLOAD_CONTAINER, `${deviceId}/${name}`, FILE_UPLOAD_LIMITS.sasTtlMs);
      const correlationId = randomBytes(24).toString('base64url');
      const blobUri = `https://${sas.hostName}/${sas.containerName}/${sas.blobName.split('/').map(encodeURIComponent).join('/')}`;
      await pending.add(deviceId, correlationId, { blobName: sas.blobName, blobUri, expiresAt: new Date(deps.nowMs() + FILE_UPLOAD_LIMITS.sasTtlMs).toISOString() });
      deps.log.info({ deviceId, blobName: sas.blobName }, 'file upload SAS issued');
      return { correlationId, hostName: sas.hostName, containerName: sas.containerName, blobName: sas.blobName, sasToken: sas.sasToken };
    },
    async notify(deviceId, pathCorrelationId, body) {
      const parsed = FileUploadNotificationSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new VergeError('CLD_FILE_UPLOAD_INVALID', `file upload notification: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'} (send { correlationId, isSuccess, statusCode, statusDescription })`);
      }
      const correlationId = pathCorrelationId ?? parsed.data.correlationId;
      if (correlationId === undefined || correlationId === '') {
        throw new VergeError('CLD_FILE_UPLOAD_INVALID', 'file upload notification: correlationId is missing (the value POST /devices/{id}/files returned)', { details: { path: 'correlationId' } });
      }
      const p = await pending.take(deviceId, correlationId);
      if (p === undefined) {
        throw new VergeError('CLD_FILE_CORRELATION_UNKNOWN', `file upload notification: correlationId '${correlationId.slice(0, 64)}' was not issued to device '${deviceId}', or was already notified or expired`, { details: { deviceId } });
      }
      const size = await blobSize(deps.blobs, p.blobName);
      const n: FileNotification = {
        deviceId,
        correlationId,
        blobName: p.blobName,
        blobUri: p.blobUri,
        blobSizeInBytes: size,
        isSuccess: parsed.data.isSuccess,
        statusCode: parsed.data.statusCode ?? (parsed.data.isSuccess ? 200 : 500),
        statusDescription: parsed.data.statusDescription ?? '',
        enqueuedTimeUtc: new Date(deps.nowMs()).toISOString(),
      };
      const key = `${deviceId}/${n.enqueuedTimeUtc.replace(/[:.]/g, '-')}-${correlationId.slice(0, 12)}.json`;
      await deps.blobs.upload(NOTIFICATION_CONTAINER, key, Buffer.from(JSON.stringify(n)), 'application/json');
      await deps.notified?.(n);
      deps.log.info({ deviceId, blobName: n.blobName, isSuccess: n.isSuccess, bytes: size }, 'file upload notified');
      return n;
    },
    listBlobs: (prefix) => deps.blobs.list(UPLOAD_CONTAINER, prefix),
    download: (name) => deps.blobs.download(UPLOAD_CONTAINER, name),
    async notifications(deviceId) {
      const entries = await deps.blobs.list(NOTIFICATION_CONTAINER, deviceId === undefined ? undefined : `${deviceId}/`);
      const out = await Promise.all(entries.map(async (e) => JSON.parse((await deps.blobs.download(NOTIFICATION_CONTAINER, e.name)).body.toString('utf8')) as FileNotification));
      return out.sort((a, b) => a.enqueuedTimeUtc.localeCompare(b.enqueuedTimeUtc));
    },
    uploadSasUrl: (ttlMs) => deps.blobs.containerSasUrl(UPLOAD_CONTAINER, ttlMs ?? FILE_UPLOAD_LIMITS.sasTtlMs),
  };
}

/** IoT Hub's `blobName`: 1–1024 characters, no empty, `.` or `..` path segment, no control characters. */
export function checkBlobName(value: unknown): string {
  const bad = (why: string): never => {
    throw new VergeError('CLD_FILE_UPLOAD_INVALID', `blobName ${why}`, { details: { path: 'blobName' } });
  };
  if (typeof value !== 'string' || value === '') return bad('is missing: send { "blobName": "<name>" }');
  if (value.length > FILE_UPLOAD_LIMITS.maxBlobNameLength) return bad(`is ${value.length} characters long; at most ${FILE_UPLOAD_LIMITS.maxBlobNameLength}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return bad('holds a control character');
  if (value.split('/').some((s) => s === '' || s === '.' || s === '..')) return bad(`'${value.slice(0, 80)}' has an empty, '.' or '..' path segment`);
  return value;
}

async function blobSize(blobs: BlobStore, name: string): Promise<number> {
  const found = (await blobs.list(UPLOAD_CONTAINER, name)).find((e) => e.name === name);
  return found?.bytes ?? 0;
}

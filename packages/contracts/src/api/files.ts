import { z } from 'zod';

// IoT Hub file upload as the cloud serves it (apps/cloud/src/files): the device's SAS answer, and what operators
// read back (`/files/blobs`, `/files/notifications`, `POST /files/sas`).

/** `POST /devices/{id}/files` answer: the SDK PUTs to `https://{hostName}/{containerName}/{blobName}{sasToken}`. */
export const FileUploadSasSchema = z.object({ correlationId: z.string(), hostName: z.string(), containerName: z.string(), blobName: z.string(), sasToken: z.string() });
export type FileUploadSasDto = z.infer<typeof FileUploadSasSchema>;

/** One uploaded blob (`GET /files/blobs`); `name` is `{deviceId}/{blobName}`. */
export const UploadedBlobSchema = z.object({ name: z.string(), bytes: z.number(), lastModified: z.string(), contentType: z.string().optional() });
export type UploadedBlobDto = z.infer<typeof UploadedBlobSchema>;

/** A file-upload notification (IoT Hub's file notification fields plus the device's reported outcome). */
export const FileNotificationSchema = z.object({
  deviceId: z.string(),
  correlationId: z.string(),
  blobName: z.string(),
  blobUri: z.string(),
  blobSizeInBytes: z.number(),
  isSuccess: z.boolean(),
  statusCode: z.number(),
  statusDescription: z.string(),
  enqueuedTimeUtc: z.string(),
});
export type FileNotificationDto = z.infer<typeof FileNotificationSchema>;

/** `POST /files/sas` answer: a container SAS URL of the upload container (for `UploadModuleLogs`/`UploadSupportBundle`). */
export const UploadSasUrlSchema = z.object({ sasUrl: z.string() });

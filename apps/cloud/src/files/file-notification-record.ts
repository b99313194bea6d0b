import type { FileNotificationRecord } from '../store/records.js';
import type { FileNotification } from './file-upload-service.js';

/**
 * What azure-iothub's file notification receiver gets for a recorded notification: IoT Hub's fields, and only for a
 * successful upload (IoT Hub sends none for a failed one; `GET /files/notifications` lists both).
 */
export function fileNotificationRecord(n: FileNotification): FileNotificationRecord | undefined {
  if (!n.isSuccess) return undefined;
  return { deviceId: n.deviceId, blobUri: n.blobUri, blobName: n.blobName, lastUpdatedTime: n.enqueuedTimeUtc, blobSizeInBytes: n.blobSizeInBytes, enqueuedTimeUtc: n.enqueuedTimeUtc };
}

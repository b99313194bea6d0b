import { z } from 'zod';

/**
 * Headers of `POST /devices/{id}/messages/deviceBound` (the body is the payload bytes), named as IoT Hub's
 * HTTP message headers: `iothub-app-{name}` carries application property `{name}`.
 */
export const c2dHeaders = {
  messageId: 'iothub-messageid',
  correlationId: 'iothub-correlationid',
  userId: 'iothub-userid',
  to: 'iothub-to',
  /** Absolute expiry, ISO-8601 (IoT Hub `ExpiryTimeUtc`); default now + the cloud's default TTL. */
  expiry: 'iothub-expiry',
  contentType: 'iothub-contenttype',
  contentEncoding: 'iothub-contentencoding',
  /** Delivery feedback wanted: none (default), positive, negative or full (read with azure-iothub's feedback receiver). */
  ack: 'iothub-ack',
  appPrefix: 'iothub-app-',
} as const;

/** The answer to an accepted C2D message. */
export const C2dAcceptedSchema = z.object({
  deviceId: z.string(),
  messageId: z.string(),
  enqueuedTime: z.string(),
  expiryTimeUtc: z.string(),
  /** Messages now waiting for the device, this one included. */
  pendingCount: z.number().int(),
});
export type C2dAccepted = z.infer<typeof C2dAcceptedSchema>;

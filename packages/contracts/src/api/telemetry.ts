import { z } from 'zod';

/** A device-to-cloud message as the cloud keeps and streams it (`GET /messages`, `GET /events`). */
export const TelemetryMessageSchema = z.object({
  /** Increases with every stored message; the SSE event id (send it back as `Last-Event-ID` to resume). */
  sequenceNumber: z.number().int(),
  deviceId: z.string(),
  moduleId: z.string().optional(),
  /** ISO-8601 time the cloud accepted the message. */
  enqueuedTime: z.string(),
  /** System properties keyed by their internal names (`messageId`, `cid`, `contentType`, …; see `Message`). */
  systemProperties: z.record(z.string(), z.string()),
  /** Application properties. */
  properties: z.record(z.string(), z.string()),
  /** The payload bytes, base64. */
  body: z.string().meta({ contentEncoding: 'base64' }),
});
export type TelemetryMessageDto = z.infer<typeof TelemetryMessageSchema>;

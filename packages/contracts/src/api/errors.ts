import { z } from 'zod';

/**
 * Error body of the service API: Verge's `{ code, message, details? }` plus IoT Hub's `Message`
 * (`ErrorCode:{IoTHubCode};{message}`) and `ExceptionMessage`, which azure-iothub parses.
 */
export const ApiErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
  Message: z.string(),
  ExceptionMessage: z.string(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** `GET /healthz`. */
export const HealthDtoSchema = z.object({
  status: z.enum(['ok', 'starting', 'stopping']),
  listeners: z.record(z.string(), z.object({ up: z.boolean(), port: z.number().int().optional() })),
});
export type HealthDto = z.infer<typeof HealthDtoSchema>;

/** One readiness check's outcome: no detail beyond this (the endpoint is anonymous). */
export const ReadinessCheckSchema = z.enum(['ok', 'failed', 'notConfigured']);
/** The blob store's check: `notStarted` while the cloud's own Azurite has not been needed yet (it starts on first use). */
export const BlobStoreCheckSchema = z.enum(['ok', 'failed', 'notConfigured', 'notStarted']);

/**
 * `GET /health/ready` (200 when `ready`, else 503): the store answers, the bus is connected (when configured), every
 * listener is up and the instance is not draining. `blobStore` is reported but does not decide `ready`: the blob
 * store serves file uploads only, and instances usually share one, so it failing must not take every instance out of
 * the load balancer. Anonymous, so it names no address, error or record.
 * `GET /health/live` answers 200 with `{ status }` while the process serves HTTP at all.
 */
export const ReadinessDtoSchema = z.object({
  ready: z.boolean(),
  status: HealthDtoSchema.shape.status,
  checks: z.object({ store: ReadinessCheckSchema, bus: ReadinessCheckSchema, blobStore: BlobStoreCheckSchema, listeners: ReadinessCheckSchema, draining: z.boolean() }),
});
export type ReadinessDto = z.infer<typeof ReadinessDtoSchema>;

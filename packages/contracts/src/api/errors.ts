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

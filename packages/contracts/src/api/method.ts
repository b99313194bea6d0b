import { z } from 'zod';
import { utf8Length } from '../hub/queue-rules.js';

/** IoT Hub's limit on a direct method's payload, in bytes of JSON (128 KB; requests and responses alike). */
export const MAX_METHOD_PAYLOAD_BYTES = 128 * 1024;

/** A direct method's payload: any JSON value of at most MAX_METHOD_PAYLOAD_BYTES, as IoT Hub accepts it. */
export const MethodPayloadSchema = z
  .unknown()
  .optional()
  .superRefine((payload, ctx) => {
    if (payload === undefined) return;
    const bytes = utf8Length(JSON.stringify(payload));
    if (bytes > MAX_METHOD_PAYLOAD_BYTES) {
      ctx.addIssue({ code: 'custom', message: `${bytes} bytes of JSON exceed IoT Hub's limit of ${MAX_METHOD_PAYLOAD_BYTES} bytes (128 KB) on a direct method's payload` });
    }
  });

/** Body of `POST /twins/{id}[/modules/{mid}]/methods` (IoT Hub `CloudToDeviceMethod`). */
export const MethodInvocationSchema = z.looseObject({
  methodName: z.string().min(1).max(100),
  payload: MethodPayloadSchema,
  /** 5 to 300 seconds (IoT Hub's bounds); default 30. */
  responseTimeoutInSeconds: z.number().int().min(5).max(300).nullish(),
  /** 0 to 300 seconds to wait for a disconnected device to connect; default 0 (fail at once). */
  connectTimeoutInSeconds: z.number().int().min(0).max(300).nullish(),
});
export type MethodInvocation = z.infer<typeof MethodInvocationSchema>;

/** The device's answer (IoT Hub `CloudToDeviceMethodResult`). */
export const MethodResultSchema = z.object({ status: z.number().int(), payload: z.unknown() });
export type MethodResultDto = z.infer<typeof MethodResultSchema>;

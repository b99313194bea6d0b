import { z } from 'zod';

/** Body of `POST /twins/{id}[/modules/{mid}]/methods` (IoT Hub `CloudToDeviceMethod`). */
export const MethodInvocationSchema = z.looseObject({
  methodName: z.string().min(1).max(100),
  payload: z.unknown().optional(),
  /** 5 to 300 seconds (IoT Hub's bounds); default 30. */
  responseTimeoutInSeconds: z.number().int().min(5).max(300).nullish(),
  /** 0 to 300 seconds to wait for a disconnected device to connect; default 0 (fail at once). */
  connectTimeoutInSeconds: z.number().int().min(0).max(300).nullish(),
});
export type MethodInvocation = z.infer<typeof MethodInvocationSchema>;

/** The device's answer (IoT Hub `CloudToDeviceMethodResult`). */
export const MethodResultSchema = z.object({ status: z.number().int(), payload: z.unknown() });
export type MethodResultDto = z.infer<typeof MethodResultSchema>;

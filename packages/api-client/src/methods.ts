import { MethodResultSchema } from '@verge/contracts';
import { expectBody } from './decode.js';
import { twinPath } from './twins.js';
import type { Transport } from './transport.js';
import type { MethodInvocation, MethodResult, TwinRef } from './types.js';

/** IoT Hub's default response timeout for direct methods (azure-iothub `DeviceMethod.defaultResponseTimeout`). */
export const defaultMethodResponseTimeoutSec = 30;

/**
 * Invokes a direct method: `POST /twins/{id}[/modules/{mid}]/methods` with `{ methodName, payload,
 * responseTimeoutInSeconds, connectTimeoutInSeconds }`; resolves with the device's `{ status, payload }` whatever that
 * status is. The API answers 404 when the target is not connected and 504 when it does not answer in time (ApiError).
 */
export async function invokeMethod(transport: Transport, ref: TwinRef, invocation: MethodInvocation, signal?: AbortSignal): Promise<MethodResult> {
  const body = {
    methodName: invocation.methodName,
    // azure-iothub sends null for a missing payload (DeviceMethod.defaultPayload).
    payload: invocation.payload ?? null,
    responseTimeoutInSeconds: invocation.responseTimeoutInSeconds ?? defaultMethodResponseTimeoutSec,
    connectTimeoutInSeconds: invocation.connectTimeoutInSeconds ?? 0,
  };
  const res = await transport.request({ method: 'POST', path: `${twinPath(ref)}/methods`, json: body, signal });
  return expectBody(MethodResultSchema, res.body, 'invoke method');
}

import { randomUUID } from 'node:crypto';
import { isVergeError, VergeError } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import { authenticateMethodCaller, checkMethodTarget, type MethodCallerContext, type MethodCallerHeaders } from './method-caller.js';
import { methodErrorAnswer, parseMethodCall, type MethodTarget } from './method-request.js';

/** How the endpoint reaches modules and leaves connected to the hub (the hub's `MethodBridge`). */
export interface LocalMethods {
  invokeLocal(id: ClientIdentity, methodName: string, payload: unknown, timeoutMs: number, from?: ClientIdentity): Promise<{ readonly status: number; readonly payload?: unknown }>;
  isReachable(id: ClientIdentity): boolean;
}

/** Dependencies of {@link answerMethodCall}. */
export interface MethodEndpointDeps {
  readonly caller: Omit<MethodCallerContext, 'nowMs'>;
  readonly methods: LocalMethods;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** How often a call with `connectTimeoutInSeconds` > 0 checks whether its target connected (default 100 ms). */
  readonly connectPollMs?: number;
}

/** One HTTP answer: status and JSON body. */
export interface MethodHttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Answers `POST /twins/{d}[/modules/{m}]/methods` (reference azure-iot-edge.md §5.5) as IoT Hub does: 200
 * `{status, payload}` with the target's answer; 400 bad body; 401 no or bad SAS token; 403 the caller is not a module
 * of this edge device, or the target is not served here; 404 DeviceNotOnline (404103) when the target is not
 * connected (after `connectTimeoutInSeconds`); 504 GatewayTimeout (504101) when it does not answer within
 * `responseTimeoutInSeconds`.
 */
export async function answerMethodCall(deps: MethodEndpointDeps, target: MethodTarget, headers: MethodCallerHeaders, body: string): Promise<MethodHttpAnswer> {
  const trackingId = randomUUID();
  try {
    const caller = authenticateMethodCaller(headers, { ...deps.caller, nowMs: deps.nowMs() });
    checkMethodTarget(target, deps.caller);
    const call = parseMethodCall(body);
    await waitUntilReachable(deps, target, call.connectTimeoutMs);
    const startedMs = deps.nowMs();
    const answer = await deps.methods.invokeLocal(target, call.methodName, call.payload, call.responseTimeoutMs, caller);
    deps.log.debug({ caller: idText(caller), target: idText(target), method: call.methodName, status: answer.status, durationMs: deps.nowMs() - startedMs }, 'direct method answered');
    return { status: 200, body: { status: answer.status, payload: answer.payload ?? null } };
  } catch (e) {
    if (!isVergeError(e)) {
      deps.log.error({ err: e, target: idText(target), trackingId }, 'direct method endpoint failed');
      return { status: 500, body: { code: 'INTERNAL_ERROR', message: 'internal error; the edge hub log has the details', Message: 'ErrorCode:ServerError;internal error', trackingId } };
    }
    deps.log.info({ target: idText(target), code: e.code, reason: e.message, trackingId }, 'direct method call refused or failed');
    return methodErrorAnswer(e, trackingId, new Date(deps.nowMs()).toISOString());
  }
}

/** IoT Hub's `connectTimeoutInSeconds`: a target that is not connected yet may connect within it (0: fail at once). */
async function waitUntilReachable(deps: MethodEndpointDeps, target: MethodTarget, connectTimeoutMs: number): Promise<void> {
  if (connectTimeoutMs <= 0 || deps.methods.isReachable(target)) return;
  const deadline = deps.nowMs() + connectTimeoutMs;
  const every = deps.connectPollMs ?? 100;
  while (deps.nowMs() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(every, Math.max(1, deadline - deps.nowMs()))));
    if (deps.methods.isReachable(target)) return;
  }
  throw new VergeError('HUB_CLIENT_NOT_CONNECTED', `${idText(target)} did not connect to the edge hub within connectTimeoutInSeconds (${connectTimeoutMs / 1000} s)`);
}

function idText(id: ClientIdentity): string {
  return id.moduleId === undefined ? id.deviceId : `${id.deviceId}/${id.moduleId}`;
}

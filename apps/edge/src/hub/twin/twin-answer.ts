import { VergeError } from '@verge/contracts';
import { twinErrorAnswer, type TwinAnswer } from '@verge/iothub-mqtt';
import type { JsonObject } from '@verge/core';

/** What the hub answers on `$iothub/twin/res/{status}/?$rid=…` (the surface's `TwinAnswer`). */
export type TwinAnswerOut = TwinAnswer;

/** A 200 answer with the twin as the SDK reads it: `{"desired":{…},"reported":{…}}` (no `properties` wrapper). */
export function twinOk(desired: JsonObject, reported: JsonObject): TwinAnswerOut {
  return { status: 200, body: JSON.stringify({ desired, reported }) };
}

/**
 * An error answer: the status in the topic and a body with `errorCode` and `message` (the SDK fails the call with
 * `message` when the body has `errorCode`; it ignores the topic's status, azure-sdk-protocol.md §0.4).
 */
export function twinError(err: unknown, nowMs: number): TwinAnswerOut {
  return twinErrorAnswer(err, nowMs, 'edge hub');
}

/** The twin is neither reachable in the cloud nor cached. */
export function twinUnavailable(clientId: string, why: string): VergeError {
  return new VergeError('HUB_TWIN_UNAVAILABLE', `the twin of '${clientId}' is not available: ${why}, and the edge hub has no cached copy yet`);
}

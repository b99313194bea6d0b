import { isVergeError } from '@verge/contracts';
import type { TwinAnswer } from './backend.js';

/**
 * An error answer to a twin request: the status in the topic and a body with `errorCode` and `message` (the SDK
 * fails the call with `message` when the body has `errorCode`; it ignores the topic's status, azure-sdk-protocol.md
 * §0.4). A VergeError gives its code and status; anything else is a 500 whose details stay in `serverName`'s log.
 */
export function twinErrorAnswer(err: unknown, nowMs: number, serverName: string): TwinAnswer {
  const known = isVergeError(err);
  const body = {
    errorCode: known ? err.code : 'INTERNAL_ERROR',
    message: known ? err.message : `internal error; see the ${serverName} log`,
    timestampUtc: new Date(nowMs).toISOString(),
  };
  return { status: known ? err.status : 500, body: JSON.stringify(body) };
}

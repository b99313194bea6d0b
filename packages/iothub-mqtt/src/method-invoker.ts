import { randomBytes } from 'node:crypto';
import { topics } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import { clientIdOf } from './types.js';

/** The answer of a direct method, as IoT Hub's REST API returns it. */
export interface MethodAnswer {
  readonly status: number;
  readonly payload: unknown;
}

/** Publishes a method request to the client; false when it could not be written (the client is gone). */
export type MethodRequestSender = (topic: string, payload: Buffer) => boolean;

/** The errors an invocation fails with (each server has its own error codes). */
export interface MethodInvokerErrors {
  /** No answer within the timeout (IoT Hub: 504). */
  timeout(id: ClientIdentity, methodName: string, timeoutMs: number): Error;
  /** The request could not be written: the client is gone (IoT Hub: 404). */
  notSent(id: ClientIdentity, methodName: string): Error;
  /** `cancelAll` (server shutdown). */
  cancelled(id: ClientIdentity, methodName: string, reason: string): Error;
}

interface PendingInvocation {
  readonly id: ClientIdentity;
  readonly methodName: string;
  readonly resolve: (r: MethodAnswer) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Direct methods over MQTT (azure-sdk-protocol.md §5): the request goes to `$iothub/methods/POST/{name}/?$rid={rid}`
 * and the invocation completes when the same identity publishes `$iothub/methods/res/{status}/?$rid={rid}`, from
 * this connection or a later one (the client may reconnect while it works). Request ids carry a random
 * per-process prefix, so a late answer to a request made before a restart never completes a new one.
 */
export class MethodInvoker {
  private readonly pending = new Map<string, PendingInvocation>();
  private readonly prefix = randomBytes(4).toString('hex');
  private counter = 0;

  constructor(private readonly errors: MethodInvokerErrors) {}

  /** Sends the request and waits for the answer; rejects with `errors.timeout` after `timeoutMs`. */
  invoke(id: ClientIdentity, methodName: string, payload: unknown, timeoutMs: number, send: MethodRequestSender): Promise<MethodAnswer> {
    this.counter += 1;
    const rid = `${this.prefix}${this.counter.toString(16)}`;
    const topic = topics.methodRequest(methodName, rid); // throws TOPIC_INVALID for a name that cannot be a topic level
    const body = Buffer.from(JSON.stringify(payload === undefined ? null : payload), 'utf8');
    const key = pendingKey(id, rid);
    return new Promise<MethodAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(this.errors.timeout(id, methodName, timeoutMs));
      }, timeoutMs);
      timer.unref();
      this.pending.set(key, { id, methodName, resolve, reject, timer });
      if (!send(topic, body)) {
        clearTimeout(timer);
        this.pending.delete(key);
        reject(this.errors.notSent(id, methodName));
      }
    });
  }

  /**
   * Completes an invocation from the client's answer; false when no invocation waits for this rid (late or
   * unknown answers are ignored, as IoT Hub does). A JSON payload is parsed; an empty one is `null`; anything
   * else is passed on as text.
   */
  complete(id: ClientIdentity, rid: string, status: number, payload: Uint8Array): boolean {
    const key = pendingKey(id, rid);
    const waiting = this.pending.get(key);
    if (waiting === undefined) return false;
    this.pending.delete(key);
    clearTimeout(waiting.timer);
    waiting.resolve({ status, payload: parseMethodPayload(payload) });
    return true;
  }

  /** Rejects every waiting invocation (server shutdown). */
  cancelAll(reason: string): void {
    for (const [key, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(this.errors.cancelled(p.id, p.methodName, reason));
      this.pending.delete(key);
    }
  }

  /** Invocations waiting for an answer. */
  get size(): number {
    return this.pending.size;
  }
}

function pendingKey(id: ClientIdentity, rid: string): string {
  return `${clientIdOf(id)}\u0000${rid}`;
}

/** A method answer's body: JSON parsed, empty → `null`, anything else as text. */
export function parseMethodPayload(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

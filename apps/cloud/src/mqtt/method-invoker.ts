import { randomBytes } from 'node:crypto';
import { VergeError, topics } from '@verge/contracts';
import type { IdentityRef, MethodResult } from '../services/types.js';
import { describe } from './authenticate.js';

interface PendingInvocation {
  readonly resolve: (r: MethodResult) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Publishes a method request to the client; false when it could not be written (the client is gone). */
export type MethodRequestSender = (topic: string, payload: Buffer) => boolean;

/**
 * Direct methods over MQTT (reference §5): the request goes to `$iothub/methods/POST/{name}/?$rid={rid}` and the
 * invocation completes when the same identity publishes `$iothub/methods/res/{status}/?$rid={rid}`, from this
 * connection or a later one (the device may reconnect while it works). Request ids carry a random per-process
 * prefix, so a late answer to a request made before a cloud restart never completes a new one.
 */
export class MethodInvoker {
  private readonly pending = new Map<string, PendingInvocation>();
  private readonly prefix = randomBytes(4).toString('hex');
  private counter = 0;

  /** Sends the request and waits for the answer; rejects CLD_METHOD_TIMEOUT after `timeoutMs`. */
  invoke(id: IdentityRef, methodName: string, payload: unknown, timeoutMs: number, send: MethodRequestSender): Promise<MethodResult> {
    this.counter += 1;
    const rid = `${this.prefix}${this.counter.toString(16)}`;
    const topic = topics.methodRequest(methodName, rid); // throws TOPIC_INVALID for a name that cannot be a topic level
    const body = Buffer.from(JSON.stringify(payload === undefined ? null : payload), 'utf8');
    const key = pendingKey(id, rid);
    return new Promise<MethodResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(
          new VergeError('CLD_METHOD_TIMEOUT', `${describe(id)} did not answer method '${methodName}' within ${timeoutMs} ms`, {
            details: { methodName, timeoutMs },
          }),
        );
      }, timeoutMs);
      timer.unref();
      this.pending.set(key, { resolve, reject, timer });
      if (!send(topic, body)) {
        clearTimeout(timer);
        this.pending.delete(key);
        reject(new VergeError('CLD_DEVICE_NOT_CONNECTED', `${describe(id)} disconnected before method '${methodName}' could be sent`));
      }
    });
  }

  /**
   * Completes an invocation from the client's answer; false when no invocation waits for this rid (late or
   * unknown answers are ignored, as IoT Hub does). A JSON payload is parsed; an empty one is `null`; anything
   * else is passed on as text.
   */
  complete(id: IdentityRef, rid: string, status: number, payload: Uint8Array): boolean {
    const key = pendingKey(id, rid);
    const waiting = this.pending.get(key);
    if (waiting === undefined) return false;
    this.pending.delete(key);
    clearTimeout(waiting.timer);
    waiting.resolve({ status, payload: parsePayload(payload) });
    return true;
  }

  /** Rejects every waiting invocation (endpoint shutdown). */
  cancelAll(reason: string): void {
    for (const [key, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new VergeError('CLD_DEVICE_NOT_CONNECTED', reason));
      this.pending.delete(key);
    }
  }

  /** Invocations waiting for an answer. */
  get size(): number {
    return this.pending.size;
  }
}

function pendingKey(id: IdentityRef, rid: string): string {
  return `${id.deviceId}\u0000${id.moduleId ?? ''}\u0000${rid}`;
}

function parsePayload(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

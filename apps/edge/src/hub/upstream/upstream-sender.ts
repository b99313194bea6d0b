import { isVergeError, type QueueEntry } from '@verge/contracts';
import type { DeviceClient, OutgoingMessage } from '@verge/device-client';
import type { Logger, MqttIdentity } from '@verge/platform';
import type { EndpointSender, SendOutcome, SendResult } from '../endpoints/index.js';
import type { UpstreamPool } from './upstream-pool.js';

/** Errors of `sendEvent` that no retry can cure: the message itself is refused (reference §4: InvalidInput is dropped). */
const PERMANENT_CODES = new Set(['SDK_MESSAGE_TOO_LARGE', 'SDK_OPERATION_UNSUPPORTED', 'TOPIC_PROPERTY_BAG_INVALID', 'TOPIC_INVALID']);

/** The identity that sent a stored message (`connectionDeviceId` / `connectionModuleId`). */
export function senderOf(entry: QueueEntry): MqttIdentity | undefined {
  const deviceId = entry.message.systemProperties['connectionDeviceId'];
  const moduleId = entry.message.systemProperties['connectionModuleId'];
  if (deviceId === undefined || deviceId === '') return undefined;
  return moduleId === undefined || moduleId === '' ? { deviceId } : { deviceId, moduleId };
}

/** The message as the sender's client publishes it upstream (the connection ids come from the credential). */
export function outgoingOf(entry: QueueEntry): OutgoingMessage {
  return { body: entry.message.body, properties: entry.message.properties, systemProperties: entry.message.systemProperties };
}

/**
 * The `$upstream` endpoint (reference azure-iot-edge.md §3.4, §4; issue #4 "telemetry as the sending identity"):
 * the pump hands it the messages of ONE sender at a time (upstreamOrdering groups by sender, in order), and it
 * publishes them over that sender's own upstream link. While the link is not connected every message is retryable
 * at once (no message waits inside the client: the store is the queue); the pool kicks links when the cloud returns
 * and the hub wakes the pump on every link connect. Messages of one call are pipelined and settled in order: the
 * first failure makes it and every later message retryable. Identities the hub cannot act as (an undeployed
 * module, a leaf no longer in scope or authenticating with X.509) are refused permanently, so they cannot block
 * the queue: at-least-once holds for identities that exist.
 */
export function createUpstreamSender(pool: UpstreamPool, log: Logger): EndpointSender {
  return {
    async send(messages: readonly QueueEntry[], signal: AbortSignal): Promise<SendResult> {
      const first = messages[0];
      if (first === undefined) return { outcomes: [] };
      const id = senderOf(first);
      if (id === undefined) return all(messages, { kind: 'permanent', reason: 'the message names no sender (connectionDeviceId)' });
      const link = pool.acquire(id);
      if (link === undefined) {
        const reason = `the hub has no upstream credential for '${id.moduleId === undefined ? id.deviceId : `${id.deviceId}/${id.moduleId}`}'`;
        log.warn({ sender: id, count: messages.length }, `${reason}; its messages are dropped`);
        return all(messages, { kind: 'permanent', reason });
      }
      if (!link.connected) return all(messages, { kind: 'retryable', reason: `the upstream connection of '${link.clientId}' is not connected` });
      const client = link.current;
      const stop = new AbortController();
      const onAbort = (): void => stop.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      // A drop must not leave sends waiting for a reconnect inside the client: abort them, the pump retries.
      const offDisconnected = client.on('disconnected', () => stop.abort(new Error('the upstream connection dropped')));
      try {
        const pending = messages.map((m) => sendOne(client, m, stop.signal));
        const outcomes: SendOutcome[] = [];
        let failed: SendOutcome | undefined;
        for (const p of pending) {
          const o = await p;
          if (failed !== undefined) {
            outcomes.push(failed);
            continue;
          }
          if (o.kind === 'retryable') failed = o;
          outcomes.push(o);
        }
        return { outcomes };
      } finally {
        signal.removeEventListener('abort', onAbort);
        offDisconnected();
        stop.abort();
      }
    },
  };
}

async function sendOne(client: DeviceClient, entry: QueueEntry, signal: AbortSignal): Promise<SendOutcome> {
  try {
    await client.sendEvent(outgoingOf(entry), { signal });
    return { kind: 'ok' };
  } catch (e) {
    if (isVergeError(e) && PERMANENT_CODES.has(e.code)) return { kind: 'permanent', reason: e.message };
    return { kind: 'retryable', reason: e instanceof Error ? e.message : String(e) };
  }
}

function all(messages: readonly QueueEntry[], outcome: SendOutcome): SendResult {
  return { outcomes: messages.map(() => outcome) };
}

import { isVergeError, type QueueEntry } from '@verge/contracts';
import type { OutgoingMessage } from '@verge/device-client';
import { clientIdOf } from '@verge/iothub-mqtt';
import { type Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import type { EndpointSender, SendOutcome, SendResult } from '../endpoints/index.js';
import { BEHIND_PARKED, type ParkedSenders } from './parked-senders.js';
import type { UpstreamPool } from './upstream-pool.js';

/** Errors of `sendEvents` that no retry can cure: the message itself is refused (reference §4: InvalidInput is dropped). */
const PERMANENT_CODES = new Set(['SDK_MESSAGE_TOO_LARGE', 'SDK_OPERATION_UNSUPPORTED', 'TOPIC_PROPERTY_BAG_INVALID', 'TOPIC_INVALID']);

/** The identity that sent a stored message (`connectionDeviceId` / `connectionModuleId`). */
export function senderOf(entry: QueueEntry): ClientIdentity | undefined {
  const deviceId = entry.message.systemProperties['connectionDeviceId'];
  const moduleId = entry.message.systemProperties['connectionModuleId'];
  if (deviceId === undefined || deviceId === '') return undefined;
  return moduleId === undefined || moduleId === '' ? { deviceId } : { deviceId, moduleId };
}

/** The message as the sender's client publishes it upstream (the connection ids come from the credential). */
export function outgoingOf(entry: QueueEntry): OutgoingMessage {
  return { body: entry.message.body, properties: entry.message.properties, systemProperties: entry.message.systemProperties };
}

/** Why a call's leftover client sends are aborted when it returns: one reason for all (a DOMException per call is costly). */
const callEnded = new Error('the upstream send call ended');

/**
 * The `$upstream` endpoint (reference azure-iot-edge.md §3.4, §4; issue #4 "telemetry as the sending identity"):
 * the pump hands it the messages of ONE sender at a time (upstreamOrdering groups by sender, in order), and it
 * publishes them over that sender's own upstream link. While the link is not connected every message is retryable
 * at once (no message waits inside the client: the store is the queue); the pool kicks links when the cloud returns
 * and the hub wakes the pump on every link connect. Messages of one call are pipelined and settled in order: the
 * first failure makes it and every later message retryable.
 *
 * A sender the hub cannot act as right now (no credential for it: a module whose generation the agent has not
 * loaded yet, a leaf missing from or disabled in the device scope; or a credential the cloud refuses: keys
 * rotated) never blocks the others and never loses a message (issue 7): with `parking`, its messages move to its
 * parked queue (see ParkedSenders), whose own pump — this sender without `parking` — retries them until the
 * credential works or their TTL passes.
 */
export function createUpstreamSender(pool: UpstreamPool, log: Logger, parking?: ParkedSenders): EndpointSender {
  return {
    async send(messages: readonly QueueEntry[], signal: AbortSignal): Promise<SendResult> {
      const first = messages[0];
      if (first === undefined) return { outcomes: [] };
      const id = senderOf(first);
      if (id === undefined) return all(messages, { kind: 'permanent', reason: 'the message names no sender (connectionDeviceId)' });
      const sender = clientIdOf(id);
      /** Parks the messages (no `reason`: behind the sender's parked ones, see ParkedSenders.park). */
      const park = async (reason?: string): Promise<SendResult> => {
        if (parking === undefined) return all(messages, { kind: 'retryable', reason: reason ?? BEHIND_PARKED });
        try {
          return { outcomes: await parking.park(sender, messages, reason) };
        } catch (err) {
          log.warn({ err, sender }, 'could not park the messages of a sender; retrying');
          return all(messages, { kind: 'retryable', reason: `${reason ?? BEHIND_PARKED}; parking failed: ${err instanceof Error ? err.message : String(err)}` });
        }
      };
      // Per-sender order: behind parked messages, new ones are parked too.
      if (parking !== undefined && (await parking.hasBacklog(sender))) return park();
      const link = pool.forSending(id);
      if (link === undefined) return park(`the hub has no upstream credential for '${sender}': ${pool.credentialProblem(id) ?? 'unknown'}`);
      if (!link.connected) {
        const refusal = link.refusal;
        if (refusal !== undefined) return park(`the cloud refuses the credential of '${sender}': ${refusal}`);
        return all(messages, { kind: 'retryable', reason: `the upstream connection of '${link.clientId}' is not connected` });
      }
      const client = link.current;
      const stop = new AbortController();
      const onAbort = (): void => stop.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      // A drop must not leave sends waiting for a reconnect inside the client: abort them, the pump retries.
      const offDisconnected = client.on('disconnected', () => stop.abort(new Error('the upstream connection dropped')));
      let settled = false;
      try {
        // One batch for the client: written together, one abort listener; outcomes come back in order.
        const errors = await client.sendEvents(messages.map(outgoingOf), { signal: stop.signal });
        settled = true; // every send of the call has its outcome: nothing left to abort
        const outcomes: SendOutcome[] = [];
        let failed: SendOutcome | undefined;
        for (const err of errors) {
          const o = failed ?? outcomeOf(err);
          if (o.kind === 'retryable') failed = o;
          outcomes.push(o);
        }
        return { outcomes };
      } finally {
        signal.removeEventListener('abort', onAbort);
        offDisconnected();
        // Only a call that ends early (a throw) can leave sends behind; aborting a signal dispatches an event, which
        // cost ~2% of the runtime's CPU per message upstream when done after every call (issue 8).
        if (!settled) stop.abort(callEnded);
      }
    },
  };
}

const delivered: SendOutcome = { kind: 'ok' };

function outcomeOf(err: Error | undefined): SendOutcome {
  if (err === undefined) return delivered;
  if (isVergeError(err) && PERMANENT_CODES.has(err.code)) return { kind: 'permanent', reason: err.message };
  return { kind: 'retryable', reason: err.message };
}

function all(messages: readonly QueueEntry[], outcome: SendOutcome): SendResult {
  return { outcomes: messages.map(() => outcome) };
}

import { isVergeError, topics, type QueueEntry } from '@verge/contracts';
import { isSubscribed, type MqttConnection, type SessionRegistry } from '@verge/platform';
import type { EndpointSender, SendOutcome, SendResult } from '../endpoints/index.js';
import type { AckTracker } from './ack-tracker.js';
import type { ModuleInputRef } from './module-input-endpoint.js';

/** What a module input sender needs. */
export interface ModuleInputSenderDeps {
  readonly edgeDeviceId: string;
  readonly sessions: SessionRegistry;
  readonly acks: AckTracker;
}

/**
 * Delivers stored messages to one module input (reference azure-iot-edge.md §5.3): QoS 1 on
 * `devices/{edge}/modules/{m}/inputs/{i}/{bag}` (the `/` after the input name always there; the bag carries
 * `$.cdid`/`$.cmid` of the sender, azure-sdk-protocol.md §0.5), one message at a time, each waiting for the
 * module's PUBACK (the pump's send timeout, 30 s, makes a missing PUBACK retryable). While the module is not
 * connected or not subscribed to its inputs every message is retryable; the hub wakes the pump when it subscribes.
 * A message that cannot be put in a topic (a property the bag cannot carry) is refused permanently.
 */
export function createModuleInputSender(ref: ModuleInputRef, deps: ModuleInputSenderDeps): EndpointSender {
  const clientId = `${deps.edgeDeviceId}/${ref.moduleId}`;
  const connection = (): MqttConnection | undefined => {
    const session = deps.sessions.get(clientId);
    const conn = session?.connection;
    return session !== undefined && conn !== undefined && conn.isOpen && isSubscribed(session, 'moduleInputs') ? conn : undefined;
  };
  return {
    async send(messages: readonly QueueEntry[], signal: AbortSignal): Promise<SendResult> {
      const outcomes: SendOutcome[] = [];
      for (const [i, entry] of messages.entries()) {
        const outcome = await deliverOne(entry, signal);
        outcomes.push(outcome);
        if (outcome.kind === 'retryable') {
          // Keep order: everything after a retryable failure waits too.
          for (let j = i + 1; j < messages.length; j++) outcomes.push(outcome);
          break;
        }
      }
      return { outcomes };
    },
  };

  async function deliverOne(entry: QueueEntry, signal: AbortSignal): Promise<SendOutcome> {
    const conn = connection();
    if (conn === undefined) return { kind: 'retryable', reason: `module '${clientId}' is not connected or not subscribed to its inputs` };
    let topic: string;
    try {
      const { systemProperties, properties } = entry.message;
      topic = topics.moduleInput(deps.edgeDeviceId, ref.moduleId, ref.input, { systemProperties, properties });
    } catch (e) {
      if (isVergeError(e)) return { kind: 'permanent', reason: `the message cannot be delivered on an MQTT topic: ${e.message}` };
      throw e;
    }
    const body = entry.message.body;
    const result = await deps.acks.deliver(conn, topic, Buffer.from(body.buffer, body.byteOffset, body.byteLength), signal);
    switch (result) {
      case 'acked':
        return { kind: 'ok' };
      case 'closed':
        return { kind: 'retryable', reason: `module '${clientId}' disconnected before acknowledging the message` };
      case 'aborted':
        return { kind: 'retryable', reason: `module '${clientId}' did not acknowledge the message in time` };
      case 'busy':
        return { kind: 'retryable', reason: `module '${clientId}' has too many unacknowledged messages` };
      default: {
        const never: never = result;
        return never;
      }
    }
  }
}

import { encodePropertyBag, isVergeError, MQTT_MAX_TOPIC_BYTES, oversizedTopicBytes, topics, type QueueEntry } from '@verge/contracts';
import { grantedQos, type MqttConnection, type SessionRegistry } from '@verge/iothub-mqtt';
import type { EndpointSender, SendOutcome, SendResult } from '../endpoints/index.js';
import type { AckTracker, LocalDeliveryResult } from './ack-tracker.js';
import type { WindowItem, WindowResult } from './window-types.js';
import type { ModuleInputRef } from './module-input-endpoint.js';
import { SlidingWindow } from './sliding-window.js';

/** Unacknowledged messages towards one module input by default (issue 8; Mosquitto's default is 20 per client). */
export const defaultModuleInputWindow = 64;

/** The hub's cap on unacknowledged publishes towards one client connection: four inputs' full windows. */
export const hubMaxInflightToClient = 4 * defaultModuleInputWindow;

/** What a module input sender needs. */
export interface ModuleInputSenderDeps {
  readonly edgeDeviceId: string;
  readonly sessions: SessionRegistry;
  readonly acks: AckTracker;
  /** Publishes in flight (sent, PUBACK not received) at most (default {@link defaultModuleInputWindow}). */
  readonly window?: number;
}

interface Publish {
  readonly topic: string;
  readonly payload: Buffer;
}

/**
 * Delivers stored messages to one module input (reference azure-iot-edge.md §5.3): QoS 1 on
 * `devices/{edge}/modules/{m}/inputs/{i}/{bag}` (the `/` after the input name always there; the bag carries
 * `$.cdid`/`$.cmid` of the sender, azure-sdk-protocol.md §0.5), in queue order, with a window of unacknowledged
 * publishes that slides across calls (issue 8: one PUBACK round trip per message capped the hub at about a thousand
 * messages a second, and a window per call drained at every batch boundary): see {@link SlidingWindow}.
 * Order holds: the publishes of successive calls go out in call order on one connection, and at the first one that
 * does not get its PUBACK (module gone, pump timeout) every later one — of that call and of the calls behind it — is
 * reported retryable, so the retry resends from there in order (at-least-once: a later one the module did receive
 * comes again). While the module is not
 * connected or not subscribed to its inputs every message is retryable; the hub wakes the pump when it subscribes.
 * A message that cannot be put in a topic (a property the bag cannot carry) is refused permanently.
 */
export function createModuleInputSender(ref: ModuleInputRef, deps: ModuleInputSenderDeps): EndpointSender {
  const clientId = `${deps.edgeDeviceId}/${ref.moduleId}`;
  const window = Math.max(1, deps.window ?? defaultModuleInputWindow);
  // The module's open connection and the QoS its inputs subscription was granted (deliveries never go above it).
  const connection = (): { readonly conn: MqttConnection; readonly qos: 0 | 1 } | undefined => {
    const session = deps.sessions.get(clientId);
    const conn = session?.connection;
    const qos = session === undefined ? undefined : grantedQos(session, 'moduleInputs');
    return conn !== undefined && conn.isOpen && qos !== undefined ? { conn, qos } : undefined;
  };
  // One window across calls: the pump hands over the next batches while earlier ones wait for PUBACKs, and each
  // PUBACK lets the next message go, whichever batch it belongs to (queue order on the wire, issue 8).
  const sliding = new SlidingWindow<Publish>(window);
  // `devices/{edge}/modules/{m}/inputs/{i}/`, checked and built once: only the bag changes per message.
  let topicPrefix: string | undefined;
  // Topics built from frozen property records (messages of one sender's cached topic share them, see
  // publish-topic-cache.ts and stored-properties.ts), by system-properties object: one per sender output, and
  // the senders of an input interleave in its queue. The same pair again gives the same topic (issue 8).
  const frozenTopics = new WeakMap<object, { readonly properties: object; readonly topic: string }>();
  return {
    async send(messages: readonly QueueEntry[], signal: AbortSignal): Promise<SendResult> {
      const target = connection();
      if (target === undefined) {
        const outcome: SendOutcome = { kind: 'retryable', reason: `module '${clientId}' is not connected or not subscribed to its inputs` };
        return { outcomes: messages.map(() => outcome) };
      }
      const { conn, qos } = target;
      const port = { publish: (p: Publish, done: (r: LocalDeliveryResult) => void) => deps.acks.publish(conn, p.topic, p.payload, done, qos), cancel: (tag: string) => deps.acks.cancel(tag) };
      const results = await sliding.deliver(messages.map(prepare), port, signal);
      return { outcomes: toOutcomes(results) };
    },
  };

  function prepare(entry: QueueEntry): WindowItem<Publish> {
    const { systemProperties, properties, body } = entry.message;
    try {
      const payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      const known = frozenTopics.get(systemProperties);
      if (known !== undefined && known.properties === properties) return { send: { topic: known.topic, payload } };
      topicPrefix ??= topics.moduleInput(deps.edgeDeviceId, ref.moduleId, ref.input);
      const topic = topicPrefix + encodePropertyBag({ systemProperties, properties });
      const topicBytes = oversizedTopicBytes(topic);
      if (topicBytes !== undefined) return { refused: `the message cannot be delivered on an MQTT topic: its properties make a topic of ${topicBytes} bytes, over MQTT's ${MQTT_MAX_TOPIC_BYTES}` };
      if (Object.isFrozen(systemProperties) && Object.isFrozen(properties)) frozenTopics.set(systemProperties, { properties, topic });
      return { send: { topic, payload } };
    } catch (e) {
      if (isVergeError(e)) return { refused: `the message cannot be delivered on an MQTT topic: ${e.message}` };
      throw e;
    }
  }

  /** One outcome per message; from the first retryable one on, all are retryable (order, see above). */
  function toOutcomes(results: readonly WindowResult[]): SendOutcome[] {
    let failure: SendOutcome | undefined;
    return results.map((r) => {
      if (failure === undefined) {
        if (r === 'acked') return { kind: 'ok' };
        if (typeof r === 'object') return { kind: 'permanent', reason: r.refused };
        failure = { kind: 'retryable', reason: retryReason(r) };
      }
      return failure;
    });
  }

  function retryReason(r: Exclude<WindowResult, 'acked' | { readonly refused: string }>): string {
    switch (r) {
      case 'closed':
        return `module '${clientId}' disconnected before acknowledging the message`;
      case 'aborted':
        return `module '${clientId}' did not acknowledge the message in time`;
      case 'busy':
        return `module '${clientId}' has too many unacknowledged messages`;
      case 'unsent':
        return `module '${clientId}' did not acknowledge an earlier message`;
      default: {
        const never: never = r;
        return never;
      }
    }
  }
}

import { MQTT_MAX_TOPIC_BYTES, oversizedTopicBytes, VergeError, topics, type Message, type PropertyBagInput } from '@verge/contracts';
import type { ResolvedOptions } from './options.js';

/** A device-to-cloud (or module output) message to send. */
export interface OutgoingMessage {
  /** Payload; a string is sent as UTF-8. */
  readonly body: Uint8Array | string;
  /** Application properties. */
  readonly properties?: Readonly<Record<string, string>>;
  /**
   * System properties by internal name (`messageId`, `cid`, `userId`, `contentType`, `contentEncoding`,
   * `absolute-expiry-time`, …; reference azure-iot-edge.md §5.4). `connectionDeviceId`/`connectionModuleId` are
   * never sent: the hub sets them from the authenticated identity.
   */
  readonly systemProperties?: Readonly<Record<string, string>>;
  /** Module output (`sendOutputEvent`), sent as `$.on`; modules only. */
  readonly outputName?: string;
}

/** A cloud-to-device message or a module input message as received. */
export type ReceivedMessage = Message;

/** A module input message: the message and the input it arrived on. */
export interface InputMessage extends Message {
  readonly inputName: string;
}

/** The topic and payload of an event, exactly as the Node SDK publishes it (azure-sdk-protocol.md §4). */
export function eventPublication(o: Pick<ResolvedOptions, 'deviceId' | 'moduleId' | 'maxMessageBytes'>, message: OutgoingMessage): { topic: string; payload: Buffer } {
  const payload = typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
  if (payload.byteLength > o.maxMessageBytes) {
    throw new VergeError('SDK_MESSAGE_TOO_LARGE', `message body is ${payload.byteLength} bytes; at most ${o.maxMessageBytes} are accepted`, {
      details: { bytes: payload.byteLength, max: o.maxMessageBytes },
    });
  }
  const topic = eventTopic(o, message);
  // Properties that encode longer than MQTT allows (e.g. characters a leaf sent raw, which the edge hub
  // percent-encodes upstream) cannot be published: refused like a too-large body, which the hub drops as permanent
  // (reference §4, InvalidInput) rather than retrying it for ever ahead of every other message.
  const topicBytes = oversizedTopicBytes(topic);
  if (topicBytes !== undefined) {
    throw new VergeError('SDK_MESSAGE_TOO_LARGE', `message properties make a topic of ${topicBytes} bytes; MQTT allows at most ${MQTT_MAX_TOPIC_BYTES}`, {
      details: { topicBytes, max: MQTT_MAX_TOPIC_BYTES },
    });
  }
  return { topic, payload };
}

/**
 * The last topic each client built from frozen property records (the edge hub forwards stored messages whose
 * records are shared and frozen, one object per sender output, issue 8): the same records give the same topic.
 */
const lastFrozenTopic = new WeakMap<object, { readonly sys: object; readonly props: object | undefined; readonly topic: string }>();

function eventTopic(o: Pick<ResolvedOptions, 'deviceId' | 'moduleId'>, message: OutgoingMessage): string {
  const sys = message.systemProperties;
  const props = message.properties;
  const frozen = message.outputName === undefined && sys !== undefined && Object.isFrozen(sys) && (props === undefined || Object.isFrozen(props));
  if (frozen) {
    const last = lastFrozenTopic.get(o);
    if (last !== undefined && last.sys === sys && last.props === props) return last.topic;
  }
  const topic = buildEventTopic(o, message);
  if (frozen) lastFrozenTopic.set(o, { sys, props, topic });
  return topic;
}

function buildEventTopic(o: Pick<ResolvedOptions, 'deviceId' | 'moduleId'>, message: OutgoingMessage): string {
  const systemProperties: Record<string, string> = { ...message.systemProperties };
  if (message.outputName !== undefined) {
    if (o.moduleId === undefined) throw new VergeError('SDK_OPERATION_UNSUPPORTED', `outputName '${message.outputName}': only a module sends to an output`);
    systemProperties['outputName'] = message.outputName;
  } else if (Object.hasOwn(systemProperties, 'outputName') && o.moduleId === undefined) {
    throw new VergeError('SDK_OPERATION_UNSUPPORTED', 'systemProperties.outputName: only a module sends to an output');
  }
  const bag: PropertyBagInput = { systemProperties, ...(message.properties === undefined ? {} : { properties: message.properties }) };
  return o.moduleId === undefined ? topics.deviceEvents(o.deviceId, bag) : topics.moduleEvents(o.deviceId, o.moduleId, bag);
}

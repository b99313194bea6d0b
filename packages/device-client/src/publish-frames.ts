import { publishFrameSize, writePublishHead, writePublishTail } from '@verge/contracts';

/** The topic and payload of a QoS 1 PUBLISH to encode. */
export interface Qos1Publish {
  readonly topic: string;
  readonly payload: Buffer;
}

/**
 * Encodes QoS 1 PUBLISH packets back to back into ONE buffer in the shared PUBLISH layout (@verge/contracts,
 * byte for byte what mqtt-packet's writer produces for `{ cmd: 'publish', qos: 1, topic, payload, messageId:
 * messageIds[i] }`): the device client writes a batch of events with one socket write instead of mqtt.js's
 * per-packet path. Throws RangeError for a topic or packet beyond the protocol's limits (callers bound them long before).
 */
export function encodeQos1Publishes(publishes: readonly Qos1Publish[], messageIds: readonly number[]): Buffer {
  const topicBytes: number[] = new Array<number>(publishes.length);
  let total = 0;
  for (let i = 0; i < publishes.length; i++) {
    const p = publishes[i] as Qos1Publish;
    const t = Buffer.byteLength(p.topic, 'utf8');
    topicBytes[i] = t;
    total += publishFrameSize(t, p.payload.length, 1);
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < publishes.length; i++) {
    const p = publishes[i] as Qos1Publish;
    const t = topicBytes[i] as number;
    at = writePublishHead(out, at, t, p.payload.length, 1);
    at += out.write(p.topic, at, t, 'utf8');
    at = writePublishTail(out, at, p.payload, 1, messageIds[i] as number);
  }
  return out;
}

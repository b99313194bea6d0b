/** The topic and payload of a QoS 1 PUBLISH to encode. */
export interface Qos1Publish {
  readonly topic: string;
  readonly payload: Buffer;
}

// MQTT 3.1.1 §2.2.3: the remaining length is at most 268,435,455 (four varint bytes).
const MAX_REMAINING_LENGTH = 268_435_455;

/**
 * Encodes QoS 1 PUBLISH packets (MQTT 3.1.1 §3.3: DUP 0, RETAIN 0) back to back into ONE buffer, byte for byte
 * what mqtt-packet's writer produces for `{ cmd: 'publish', qos: 1, topic, payload, messageId: messageIds[i] }`:
 * the device client writes a batch of events with one socket write instead of mqtt.js's per-packet path.
 * Throws RangeError for a packet beyond the protocol's size limit (callers bound the payload long before).
 */
export function encodeQos1Publishes(publishes: readonly Qos1Publish[], messageIds: readonly number[]): Buffer {
  const topicBytes: number[] = new Array<number>(publishes.length);
  let total = 0;
  for (let i = 0; i < publishes.length; i++) {
    const p = publishes[i] as Qos1Publish;
    const t = Buffer.byteLength(p.topic, 'utf8');
    topicBytes[i] = t;
    const remaining = 2 + t + 2 + p.payload.length;
    if (remaining > MAX_REMAINING_LENGTH) throw new RangeError(`a PUBLISH of ${remaining} bytes exceeds MQTT's limit`);
    total += 1 + varintBytes(remaining) + remaining;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < publishes.length; i++) {
    const p = publishes[i] as Qos1Publish;
    const t = topicBytes[i] as number;
    out[at++] = 0x32; // PUBLISH, QoS 1
    at = writeVarint(out, at, 2 + t + 2 + p.payload.length);
    out.writeUInt16BE(t, at);
    at += 2;
    at += out.write(p.topic, at, t, 'utf8');
    out.writeUInt16BE(messageIds[i] as number, at);
    at += 2;
    at += p.payload.copy(out, at);
  }
  return out;
}

function varintBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

function writeVarint(out: Buffer, at: number, n: number): number {
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out[at++] = byte;
  } while (rest > 0);
  return at;
}

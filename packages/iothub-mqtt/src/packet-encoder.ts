// Direct encoders of the packets the server sends per message (issue 8): a module input or C2D PUBLISH, a twin
// answer, and the PUBACK of every inbound QoS 1 publish. mqtt-packet's `generate` builds an EventEmitter, a dozen
// chunks and a disabled `debug` call per packet, then concatenates them (≈2–3 µs a packet on the hub); these write
// the frame into one buffer, byte for byte what `generate` makes for MQTT 3.1.1 (round-trip tested against it).

/** MQTT 3.1.1 §2.2.3: the largest remaining length a 4-byte varint can carry. */
const MAX_REMAINING_LENGTH = 268_435_455;
const PUBACK = 0x40;

/**
 * A PUBLISH with QoS 0 or 1 (dup and retain clear: the server never sets them), `messageId` only for QoS 1. Throws a
 * RangeError for a topic longer than 65,535 bytes or a packet beyond MQTT's size limit: the caller's defect, never
 * the client's.
 */
export function encodePublishFrame(topic: string, payload: Uint8Array, qos: 0 | 1, messageId: number): Buffer {
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  if (topicBytes > 0xffff) throw new RangeError(`PUBLISH topic of ${topicBytes} bytes exceeds 65535 bytes`);
  const remaining = 2 + topicBytes + (qos === 1 ? 2 : 0) + payload.length;
  if (remaining > MAX_REMAINING_LENGTH) throw new RangeError(`PUBLISH of ${remaining} bytes exceeds MQTT's ${MAX_REMAINING_LENGTH}-byte limit`);
  const frame = Buffer.allocUnsafe(1 + varintBytes(remaining) + remaining);
  frame[0] = 0x30 | (qos << 1);
  let at = writeVarint(frame, 1, remaining);
  frame[at] = topicBytes >> 8;
  frame[at + 1] = topicBytes & 0xff;
  at += 2;
  at += frame.write(topic, at, topicBytes, 'utf8');
  if (qos === 1) {
    frame[at] = (messageId >> 8) & 0xff;
    frame[at + 1] = messageId & 0xff;
    at += 2;
  }
  frame.set(payload, at);
  return frame;
}

/** Bytes of a PUBACK frame. */
export const PUBACK_BYTES = 4;

/** A PUBACK (MQTT 3.1.1 §3.4): `40 02 id id`. */
export function encodePubackFrame(messageId: number): Buffer {
  const frame = Buffer.allocUnsafe(PUBACK_BYTES);
  writePuback(frame, 0, messageId);
  return frame;
}

/** Writes a PUBACK frame into `buf` at `at`; returns the offset after it. */
export function writePuback(buf: Buffer, at: number, messageId: number): number {
  buf[at] = PUBACK;
  buf[at + 1] = 2;
  buf[at + 2] = (messageId >> 8) & 0xff;
  buf[at + 3] = messageId & 0xff;
  return at + PUBACK_BYTES;
}

function varintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : 4;
}

/** Writes the remaining length at `at` (MQTT 3.1.1 §2.2.3); returns the offset after it. */
function writeVarint(buf: Buffer, at: number, n: number): number {
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    buf[at++] = byte;
  } while (rest > 0);
  return at;
}

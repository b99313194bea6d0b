import { publishFrameSize, writePublishHead, writePublishTail } from '@verge/contracts';

// Direct encoders of the packets the server sends per message (issue 8): a module input or C2D PUBLISH, a twin
// answer, and the PUBACK of every inbound QoS 1 publish; byte for byte what mqtt-packet's `generate` makes for MQTT
// 3.1.1 (round-trip tested against it), each frame written into one buffer. PUBLISH frames follow the layout the
// device client shares (@verge/contracts, mqtt/publish-frame.ts).

const PUBACK = 0x40;

/**
 * A PUBLISH with QoS 0 or 1 (dup and retain clear: the server never sets them), `messageId` only for QoS 1. Throws a
 * RangeError for a topic longer than 65,535 bytes or a packet beyond MQTT's size limit: the caller's defect, never
 * the client's.
 */
export function encodePublishFrame(topic: string, payload: Uint8Array, qos: 0 | 1, messageId: number): Buffer {
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  const frame = Buffer.allocUnsafe(publishFrameSize(topicBytes, payload.length, qos));
  const at = writePublishHead(frame, 0, topicBytes, payload.length, qos);
  writePublishTail(frame, at + frame.write(topic, at, topicBytes, 'utf8'), payload, qos, messageId);
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

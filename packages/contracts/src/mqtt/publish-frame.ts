// The one layout of MQTT 3.1.1 PUBLISH frames (§3.3) for the messages Verge encodes itself (issue 8): the IoT Hub MQTT
// server's module inputs, C2D and twin answers (iothub-mqtt/packet-encoder.ts) and the device client's batched
// events (device-client/publish-frames.ts). mqtt-packet's `generate` builds an EventEmitter and a dozen chunks per
// packet; these write a frame into one buffer, byte for byte what `generate` makes (fuzzed against it in both
// packages). No Node API, like the rest of this package: the caller writes the topic's UTF-8 between the head and
// the tail (Node's native `Buffer#write` is several times faster than a JS encoder on that hot path).
//
//   let at = writePublishHead(frame, 0, topicBytes, payload.length, qos);
//   at += frame.write(topic, at, topicBytes, 'utf8');
//   writePublishTail(frame, at, payload, qos, messageId);

/** MQTT 3.1.1 §2.2.3: the largest remaining length a 4-byte varint can carry. */
export const MQTT_MAX_REMAINING_LENGTH = 268_435_455;

/** MQTT 3.1.1 §1.5.3: a topic is a UTF-8 string with a 16-bit length. */
export const MQTT_MAX_TOPIC_BYTES = 0xffff;

/**
 * The UTF-8 length of `topic` when it is longer than MQTT allows (such a topic cannot be published: a message whose
 * properties encode that long is refused, never retried), else undefined. Short topics are not counted: a UTF-16
 * unit is at most 3 UTF-8 bytes.
 */
export function oversizedTopicBytes(topic: string): number | undefined {
  if (topic.length <= MQTT_MAX_TOPIC_BYTES / 3) return undefined;
  let bytes = 0;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < topic.length && (topic.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair
      i++;
    } else bytes += 3; // a lone surrogate becomes U+FFFD
  }
  return bytes > MQTT_MAX_TOPIC_BYTES ? bytes : undefined;
}

/**
 * Bytes of a PUBLISH frame with a topic of `topicBytes` UTF-8 bytes and `payloadBytes` of payload (QoS 1 adds the
 * packet id). Throws a RangeError for a topic longer than 65,535 bytes or a packet beyond MQTT's size limit: the
 * caller's defect (callers bound topics and payloads long before), never the peer's.
 */
export function publishFrameSize(topicBytes: number, payloadBytes: number, qos: 0 | 1): number {
  if (topicBytes > MQTT_MAX_TOPIC_BYTES) throw new RangeError(`PUBLISH topic of ${topicBytes} bytes exceeds ${MQTT_MAX_TOPIC_BYTES} bytes`);
  const remaining = remainingLength(topicBytes, payloadBytes, qos);
  if (remaining > MQTT_MAX_REMAINING_LENGTH) throw new RangeError(`PUBLISH of ${remaining} bytes exceeds MQTT's ${MQTT_MAX_REMAINING_LENGTH}-byte limit`);
  return 1 + varintBytes(remaining) + remaining;
}

/**
 * Writes a PUBLISH frame's fixed header (dup and retain clear: Verge never sets them) and its topic length at `at`;
 * returns the offset where the topic's `topicBytes` of UTF-8 go. Sized with {@link publishFrameSize} first: this does
 * not check limits.
 */
export function writePublishHead(buf: Uint8Array, at: number, topicBytes: number, payloadBytes: number, qos: 0 | 1): number {
  buf[at] = 0x30 | (qos << 1);
  const next = writeVarint(buf, at + 1, remainingLength(topicBytes, payloadBytes, qos));
  buf[next] = topicBytes >> 8;
  buf[next + 1] = topicBytes & 0xff;
  return next + 2;
}

/** Writes what follows the topic at `at`: the packet id (QoS 1 only) and the payload; returns the offset after the frame. */
export function writePublishTail(buf: Uint8Array, at: number, payload: Uint8Array, qos: 0 | 1, messageId: number): number {
  let next = at;
  if (qos === 1) {
    buf[next] = (messageId >> 8) & 0xff;
    buf[next + 1] = messageId & 0xff;
    next += 2;
  }
  buf.set(payload, next);
  return next + payload.length;
}

function remainingLength(topicBytes: number, payloadBytes: number, qos: 0 | 1): number {
  return 2 + topicBytes + (qos === 1 ? 2 : 0) + payloadBytes;
}

function varintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : 4;
}

/** Writes the remaining length at `at` (MQTT 3.1.1 §2.2.3); returns the offset after it. */
function writeVarint(buf: Uint8Array, at: number, n: number): number {
  let rest = n;
  let next = at;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    buf[next++] = byte;
  } while (rest > 0);
  return next;
}

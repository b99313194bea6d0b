import type { IPubackPacket, IPublishPacket } from 'mqtt-packet';

/**
 * Decodes a whole MQTT 3.1.1 PUBLISH frame (from `FrameReader`) exactly as mqtt-packet's parser does, without its
 * bookkeeping (a BufferList, a state machine and a dozen disabled `debug` calls per packet: about 5% of the hub's
 * CPU per routed message). Returns undefined for a frame that is not a PUBLISH; throws the parser's own errors for
 * a PUBLISH it would refuse. The payload is a view into `frame`, as the parser's is.
 */
export function decodePublishFrame(frame: Buffer): IPublishPacket | undefined {
  const first = frame[0] ?? 0;
  if (first >> 4 !== 3) return undefined;
  const qos = (first >> 1) & 0x3;
  if (qos > 2) throw new Error('Packet must not have both QoS bits set to 1');
  let length = 0;
  let multiplier = 1;
  let pos = 1;
  for (;;) {
    const byte = frame[pos];
    // FrameReader only hands over frames with a complete, at most 4-byte length: let the full parser judge others.
    if (byte === undefined || pos > 4) return undefined;
    pos += 1;
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
  }
  const body = pos;
  if (frame.length !== body + length) return undefined;
  const topicLength = length >= 2 ? frame.readUInt16BE(body) : -1;
  const topicEnd = 2 + topicLength;
  if (topicLength === -1 || topicEnd > length) throw new Error('Cannot parse topic');
  let at = topicEnd;
  // mqtt-packet reads -1 when the id is missing (and accepts it); the connection's rules refuse such a packet.
  let messageId: number | undefined;
  if (qos > 0) {
    messageId = length - at >= 2 ? frame.readUInt16BE(body + at) : -1;
    if (length - at >= 2) at += 2;
  }
  // One object literal with every field (no placeholder payload replaced later): one allocation, one shape.
  const packet = {
    cmd: 'publish',
    retain: (first & 0x1) !== 0,
    qos,
    dup: (first & 0x8) !== 0,
    length,
    topic: frame.toString('utf8', body + 2, body + topicEnd),
    payload: at >= length ? Buffer.alloc(0) : frame.subarray(body + at, body + length),
  } as IPublishPacket;
  if (messageId !== undefined) packet.messageId = messageId;
  return packet;
}

/**
 * Decodes a whole MQTT 3.1.1 PUBACK frame of the one well-formed shape (`40 02 id id`: the module's answer to every
 * delivered message) exactly as mqtt-packet's parser does; undefined for anything else, which the parser judges.
 */
export function decodePubackFrame(frame: Buffer): IPubackPacket | undefined {
  if (frame.length !== 4 || frame[0] !== 0x40 || frame[1] !== 0x02) return undefined;
  return { cmd: 'puback', retain: false, qos: 0, dup: false, length: 2, topic: null, payload: null, messageId: frame.readUInt16BE(2) } as unknown as IPubackPacket;
}

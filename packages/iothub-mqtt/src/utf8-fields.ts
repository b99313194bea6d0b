// MQTT 3.1.1 §1.5.3: every text field is well-formed UTF-8 without U+0000; a server receiving anything else MUST close
// the connection (MQTT-1.5.3-1, MQTT-1.5.3-2). mqtt-packet decodes text leniently (bad bytes become U+FFFD, NUL
// passes), so the raw bytes of a decoded frame are checked here before the packet is acted on.

import { isUtf8 } from 'node:buffer';

/** Packet types whose variable header or payload holds text fields. */
const CONNECT = 1;
const PUBLISH = 3;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;

/**
 * Names the first text field of `frame` (one whole packet that already decoded) that is not well-formed UTF-8 or
 * holds U+0000, or returns undefined when all are valid (or the packet type has no text fields).
 */
export function invalidTextField(frame: Buffer): string | undefined {
  const type = (frame[0] ?? 0) >> 4;
  if (type === PUBLISH) return publishTopicProblem(frame, headerLength(frame));
  const reader = new FieldReader(frame, headerLength(frame));
  switch (type) {
    case SUBSCRIBE:
    case UNSUBSCRIBE: {
      const name = type === SUBSCRIBE ? 'SUBSCRIBE' : 'UNSUBSCRIBE';
      reader.skip(2); // packet id
      for (let i = 0; reader.remaining > 0; i++) {
        const problem = check(reader.string(), `${name} topic filter ${i + 1}`);
        if (problem !== undefined) return problem;
        if (type === SUBSCRIBE) reader.skip(1); // requested QoS
      }
      return undefined;
    }
    case CONNECT:
      return connectFields(reader);
    default:
      return undefined;
  }
}

/**
 * The PUBLISH topic (one per message): an ASCII topic, the usual one, is judged by a scan of its bytes in place (no
 * view, no reader); the first byte past ASCII hands the topic to the full check, which gives the same answer.
 */
function publishTopicProblem(frame: Buffer, at: number): string | undefined {
  if (frame.length - at < 2) return undefined; // structure errors are the decoder's
  const start = at + 2;
  const end = start + frame.readUInt16BE(at);
  if (end > frame.length) return undefined;
  for (let i = start; i < end; i++) {
    const byte = frame[i] as number;
    if (byte === 0 || byte >= 0x80) return check(frame.subarray(start, end), 'PUBLISH topic');
  }
  return undefined;
}

function connectFields(reader: FieldReader): string | undefined {
  const protocol = check(reader.string(), 'CONNECT protocol name');
  if (protocol !== undefined) return protocol;
  reader.skip(1); // protocol level
  const flags = reader.byte();
  reader.skip(2); // keep-alive
  const problem = check(reader.string(), 'CONNECT client id');
  if (problem !== undefined) return problem;
  if ((flags & 0x04) !== 0) {
    const will = check(reader.string(), 'CONNECT will topic');
    if (will !== undefined) return will;
    reader.string(); // the will message is binary
  }
  if ((flags & 0x80) !== 0) return check(reader.string(), 'CONNECT user name');
  return undefined; // the password is binary
}

function check(bytes: Buffer | undefined, field: string): string | undefined {
  if (bytes === undefined) return undefined; // structure errors are the decoder's
  if (bytes.includes(0)) return `${field} contains U+0000 (MQTT-1.5.3-2)`;
  // The WHATWG decoder's fatal mode's rules (no overlongs, surrogates or code points past U+10FFFF), without decoding.
  return isUtf8(bytes) ? undefined : `${field} is not well-formed UTF-8 (MQTT-1.5.3-1)`;
}

/** Fixed header length: the type byte and the 1–4 byte remaining length. */
function headerLength(frame: Buffer): number {
  let i = 1;
  while (i < 5 && ((frame[i] ?? 0) & 0x80) !== 0) i++;
  return i + 1;
}

/** Reads length-prefixed fields; past the end it yields undefined instead of throwing. */
class FieldReader {
  constructor(
    private readonly buf: Buffer,
    private offset: number,
  ) {}

  get remaining(): number {
    return Math.max(0, this.buf.length - this.offset);
  }

  skip(n: number): void {
    this.offset += n;
  }

  byte(): number {
    const b = this.buf[this.offset] ?? 0;
    this.offset += 1;
    return b;
  }

  string(): Buffer | undefined {
    if (this.remaining < 2) {
      this.offset = this.buf.length;
      return undefined;
    }
    const length = this.buf.readUInt16BE(this.offset);
    const start = this.offset + 2;
    this.offset = start + length;
    return start + length <= this.buf.length ? this.buf.subarray(start, start + length) : undefined;
  }
}

import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet';
import { remainingLength } from './mqtt-frames.js';

/** A seeded PRNG (mulberry32): the same seed replays the same inputs (print it on failure). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One fuzz input: whether it goes over TLS (else raw TCP, fuzzing the TLS layer) and the chunks written in order. */
export interface FuzzCase {
  readonly kind: string;
  readonly tls: boolean;
  readonly chunks: readonly Buffer[];
}

/** What the generator needs to build valid frames the server would accept. */
export interface FuzzIdentity {
  readonly connect: IConnectPacket;
  readonly clientId: string;
}

const int = (rnd: () => number, n: number): number => Math.floor(rnd() * n);
const bytes = (rnd: () => number, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(rnd, 256)));
const pick = <T>(rnd: () => number, items: readonly T[]): T => items[int(rnd, items.length)] as T;

/** Valid frames of the IoT Hub surface for `id` (what the Azure SDK sends after CONNECT). */
function validFrames(id: FuzzIdentity, rnd: () => number): Buffer[] {
  const base = `devices/${id.clientId.split('/')[0] ?? ''}`;
  const gen = (p: Packet): Buffer => mqttPacket.generate(p);
  return [
    gen({ cmd: 'publish', topic: `${base}/messages/events/k=v&$.ct=application%2Fjson`, payload: bytes(rnd, int(rnd, 64)), qos: 1, messageId: 1 + int(rnd, 65_535), dup: false, retain: false }),
    gen({ cmd: 'publish', topic: `${base}/messages/events/`, payload: Buffer.from('{"t":1}'), qos: 0, dup: false, retain: false }),
    gen({ cmd: 'publish', topic: `$iothub/twin/GET/?$rid=${int(rnd, 1000)}`, payload: Buffer.alloc(0), qos: 0, dup: false, retain: false }),
    gen({ cmd: 'publish', topic: `$iothub/twin/PATCH/properties/reported/?$rid=${int(rnd, 1000)}`, payload: Buffer.from('{"a":1}'), qos: 0, dup: false, retain: false }),
    gen({ cmd: 'subscribe', messageId: 1 + int(rnd, 65_535), subscriptions: [{ topic: '$iothub/twin/res/#', qos: 0 }] }),
    gen({ cmd: 'subscribe', messageId: 1 + int(rnd, 65_535), subscriptions: [{ topic: `${base}/messages/devicebound/#`, qos: 1 }, { topic: '$iothub/methods/POST/#', qos: 0 }] }),
    gen({ cmd: 'unsubscribe', messageId: 1 + int(rnd, 65_535), unsubscriptions: ['$iothub/twin/res/#'] }),
    gen({ cmd: 'puback', messageId: 1 + int(rnd, 65_535) }),
    gen({ cmd: 'pingreq' }),
  ];
}

/** Flips bits, overwrites, inserts, deletes or truncates bytes of `frame`. */
function mutate(frame: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(frame);
  switch (int(rnd, 6)) {
    case 0: {
      for (let i = 0, n = 1 + int(rnd, 4); i < n && b.length > 0; i++) {
        const at = int(rnd, b.length);
        b[at] = (b[at] ?? 0) ^ (1 << int(rnd, 8));
      }
      return b;
    }
    case 1: {
      if (b.length > 0) b[int(rnd, b.length)] = pick(rnd, [0x00, 0xff, 0x7f, 0x80, 0xc3, 0xed]);
      return b;
    }
    case 2: {
      const at = int(rnd, b.length + 1);
      return Buffer.concat([b.subarray(0, at), bytes(rnd, 1 + int(rnd, 16)), b.subarray(at)]);
    }
    case 3: {
      const at = int(rnd, b.length);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rnd, 8))]);
    }
    case 4:
      return b.subarray(0, int(rnd, b.length)); // truncated
    default: {
      // A corrupted remaining length (kept within 4 bytes, or a 5th continuation byte).
      const corrupt = pick(rnd, [Buffer.from([0xff, 0xff, 0xff, 0x7f]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01]), remainingLength(int(rnd, 1 << 21)), Buffer.from([0])]);
      const headerEnd = 1 + Math.max(1, b.subarray(1, 5).findIndex((x) => (x & 0x80) === 0) + 1);
      return Buffer.concat([b.subarray(0, 1), corrupt, b.subarray(headerEnd)]);
    }
  }
}

/** Splits `buf` into 1–4 chunks written separately (frames split across TCP segments). */
function split(buf: Buffer, rnd: () => number): Buffer[] {
  const parts: Buffer[] = [];
  let rest = buf;
  for (let n = int(rnd, 4); n > 0 && rest.length > 1; n--) {
    const at = 1 + int(rnd, rest.length - 1);
    parts.push(rest.subarray(0, at));
    rest = rest.subarray(at);
  }
  parts.push(rest);
  return parts;
}

/** The next random input. */
export function nextFuzzCase(id: FuzzIdentity, rnd: () => number): FuzzCase {
  const connect = mqttPacket.generate(id.connect);
  const frames = validFrames(id, rnd);
  const some = (n: number): Buffer[] => Array.from({ length: n }, () => pick(rnd, frames));
  switch (int(rnd, 8)) {
    case 0:
      return { kind: 'random bytes over TLS', tls: true, chunks: [bytes(rnd, int(rnd, 2048))] };
    case 1:
      return { kind: 'random bytes over plain TCP', tls: false, chunks: [bytes(rnd, int(rnd, 2048))] };
    case 2:
      return { kind: 'mutated CONNECT', tls: true, chunks: split(mutate(connect, rnd), rnd) };
    case 3:
      return { kind: 'CONNECT, then mutated frames', tls: true, chunks: [connect, ...split(Buffer.concat(some(1 + int(rnd, 6)).map((f) => (rnd() < 0.5 ? mutate(f, rnd) : f))), rnd)] };
    case 4:
      return { kind: 'CONNECT, then a truncated frame', tls: true, chunks: [connect, ...some(int(rnd, 3)), pick(rnd, frames).subarray(0, 1 + int(rnd, 8))] };
    case 5:
      return { kind: 'huge remaining length', tls: true, chunks: [rnd() < 0.5 ? connect : Buffer.alloc(0), Buffer.from([pick(rnd, [0x10, 0x30, 0x32, 0x82, 0xc0]), 0xff, 0xff, 0xff, 0x7f]), bytes(rnd, int(rnd, 512))] };
    case 6:
      return { kind: 'valid, then garbage', tls: true, chunks: [connect, ...some(1 + int(rnd, 4)), bytes(rnd, 1 + int(rnd, 1024))] };
    default:
      return { kind: 'valid session', tls: true, chunks: [connect, ...split(Buffer.concat(some(1 + int(rnd, 10))), rnd)] };
  }
}

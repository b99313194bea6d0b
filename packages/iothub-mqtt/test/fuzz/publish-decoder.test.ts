import mqttPacket from 'mqtt-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePubackFrame, decodePublishFrame } from '../../src/publish-decoder.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

/** What mqtt-packet's own parser makes of one whole frame: the packet (as a plain object) or its error message. */
function byParser(frame: Buffer): unknown {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let out: unknown = 'no packet';
  parser.on('packet', (p: object) => (out = { ...p }));
  parser.on('error', (e: Error) => (out = { error: e.message }));
  parser.parse(frame);
  return out;
}

function byDecoder(frame: Buffer): unknown {
  try {
    const p = decodePublishFrame(frame);
    return p === undefined ? 'not decoded' : { ...p };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

const topicBytes = fc.oneof(
  fc.constantFrom('devices/d/modules/m/messages/events/%24.on=out1&%24.mid=1', 'devices/d/messages/events/', 'é/ü', ''),
  fc.string({ unit: 'binary', maxLength: 20 }),
).map((t) => Buffer.from(t, 'utf8'));

// PUBLISH frames of every header flag combination: well-formed ones, ones whose topic length or packet id runs past
// the end, and random bodies, each with a correct remaining length (FrameReader's guarantee).
const body = fc.oneof(
  fc.tuple(topicBytes, fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 })).map(([t, id, payload]) =>
    Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, Buffer.from([id >> 8, id & 0xff]), payload]),
  ),
  fc.tuple(topicBytes, fc.integer({ min: -3, max: 3 })).map(([t, skew]) => {
    const b = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t]);
    return b.subarray(0, Math.max(0, b.length + Math.min(skew, 0)));
  }),
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ minLength: 200, maxLength: 300 }).map((a) => Buffer.concat([Buffer.from([0, 3]), Buffer.from('a/b'), Buffer.from(a)])),
);
const frames = fc.tuple(fc.integer({ min: 0, max: 15 }), body).map(([flags, b]) => Buffer.concat([Buffer.from([0x30 | flags, ...varint(b.length)]), b]));

describe('decodePublishFrame and decodePubackFrame', () => {
  it('gives exactly what mqtt-packet parses (packet or error) for any PUBLISH frame', () => {
    fc.assert(
      fc.property(frames, (frame) => {
        expect(byDecoder(frame)).toStrictEqual(byParser(frame));
      }),
      { numRuns: fuzzRuns(50_000) },
    );
  });

  it('decodes a PUBACK as mqtt-packet does, and leaves any other 4-byte frame to the parser', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x40, 0x41, 0x42, 0x50, 0x30), fc.constantFrom(2, 3), fc.integer({ min: 0, max: 0xffff }), (first, len, id) => {
        const frame = Buffer.from([first, len, id >> 8, id & 0xff]);
        const p = decodePubackFrame(frame);
        if (first === 0x40 && len === 2) expect({ ...p }).toStrictEqual(byParser(frame));
        else expect(p).toBeUndefined();
      }),
      { numRuns: fuzzRuns(5_000) },
    );
  });

  it('leaves every other packet to the parser', () => {
    for (const p of [
      { cmd: 'puback', messageId: 3 },
      { cmd: 'pingreq' },
      { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 1 }] },
    ] as const) {
      expect(decodePublishFrame(mqttPacket.generate(p as mqttPacket.Packet))).toBeUndefined();
    }
  });
});

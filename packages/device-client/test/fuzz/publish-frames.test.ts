import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MessageIds } from '../../src/message-ids.js';
import { encodeQos1Publishes } from '../../src/publish-frames.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

// The device client writes events' PUBLISH packets itself (issue 8, H3): every byte must be what mqtt-packet, which
// mqtt.js uses, writes for the same packet, or a hub would read a different message.
const publish = fc.record({
  topic: fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 })),
  payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0, 125, 126, 127, 128, 16_377, 16_378, 16_379).map((n) => new Uint8Array(n))),
  messageId: fc.integer({ min: 1, max: 65_535 }),
});

type Numbered = { readonly topic: string; readonly payload: Buffer; readonly messageId: number };
const encode = (list: readonly Numbered[]): Buffer => encodeQos1Publishes(list, list.map((p) => p.messageId));
const reference = (p: Numbered): Buffer =>
  mqttPacket.generate({ cmd: 'publish', qos: 1, dup: false, retain: false, topic: p.topic, payload: p.payload, messageId: p.messageId }, { protocolVersion: 4 });

describe('encodeQos1Publishes', () => {
  it('writes exactly what mqtt-packet generates, packet after packet', () => {
    fc.assert(
      fc.property(fc.array(publish, { minLength: 1, maxLength: 6 }), (list) => {
        const publishes = list.map((p) => ({ topic: p.topic, payload: Buffer.from(p.payload), messageId: p.messageId }));
        expect(encode(publishes).equals(Buffer.concat(publishes.map(reference)))).toBe(true);
      }),
      { numRuns: fuzzRuns(20_000) },
    );
  });

  it('encodes the remaining length in four bytes at the boundaries of each size', () => {
    for (const size of [2_097_148, 2_097_152]) {
      const p = { topic: 't', payload: Buffer.alloc(size, 7), messageId: 9 };
      expect(encode([p]).equals(reference(p))).toBe(true);
    }
  });

  it('refuses a topic longer than MQTT can carry with a clear error', () => {
    expect(() => encode([{ topic: 'ok', payload: Buffer.alloc(1), messageId: 1 }, { topic: 'x'.repeat(65_536), payload: Buffer.alloc(0), messageId: 2 }])).toThrow(
      'PUBLISH topic of 65536 bytes exceeds 65535 bytes',
    );
  });
});

describe('MessageIds', () => {
  it('never hands out an identifier in use, wraps after 65,535 and takes back what is deallocated', () => {
    const ids = new MessageIds();
    expect(ids.allocate()).toBe(1);
    expect(ids.register(2)).toBe(true);
    expect(ids.register(2)).toBe(false);
    expect(ids.allocate()).toBe(3);
    for (let i = 4; i <= 65_535; i++) ids.allocate();
    ids.deallocate(2);
    expect(ids.allocate()).toBe(2); // wrapped past 1 (in use) to the freed one
    expect(() => ids.allocate()).toThrow(RangeError);
    ids.clear();
    expect(ids.size).toBe(0);
  });
});

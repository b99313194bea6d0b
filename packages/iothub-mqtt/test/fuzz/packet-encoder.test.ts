import mqttPacket from 'mqtt-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePubackFrame, encodePublishFrame, writePuback } from '../../src/packet-encoder.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

// The direct encoders (issue 8) write byte for byte what mqtt-packet's `generate` writes for MQTT 3.1.1, and its
// parser reads back what was encoded.

function parsed(frame: Buffer): mqttPacket.Packet {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (p: mqttPacket.Packet) => packets.push(p));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(frame);
  expect(packets).toHaveLength(1);
  return packets[0] as mqttPacket.Packet;
}

const topics = fc.oneof(
  fc.constantFrom('devices/edge/modules/m/inputs/input1/%24.cdid=edge&%24.cmid=s&%24.on=out', '$iothub/twin/res/200/?$rid=1', 'a', ''),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ minLength: 100, maxLength: 300 }),
);
// Payload sizes around every remaining-length varint boundary (1 to 4 bytes: 127, 16,383, 2,097,151).
const large = new Uint8Array(2_097_200).fill(9);
const payloads = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 8 },
  { arbitrary: fc.integer({ min: 16_300, max: 16_500 }).map((n) => large.subarray(0, n)), weight: 2 },
  { arbitrary: fc.integer({ min: 2_097_000, max: 2_097_200 }).map((n) => large.subarray(0, n)), weight: 1 },
);

describe('encodePublishFrame and encodePubackFrame', () => {
  it('encode a PUBLISH exactly as mqtt-packet generates it, and its parser reads it back', () => {
    fc.assert(
      fc.property(topics, payloads, fc.constantFrom(0 as const, 1 as const), fc.integer({ min: 1, max: 0xffff }), (topic, bytes, qos, messageId) => {
        const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const frame = encodePublishFrame(topic, payload, qos, messageId);
        const packet = { cmd: 'publish' as const, topic, payload, qos, dup: false, retain: false, ...(qos === 1 ? { messageId } : {}) };
        expect(frame.equals(mqttPacket.generate(packet))).toBe(true);
        const back = parsed(frame) as mqttPacket.IPublishPacket;
        expect({ topic: back.topic, qos: back.qos, dup: back.dup, retain: back.retain, messageId: back.messageId }).toEqual({
          topic,
          qos,
          dup: false,
          retain: false,
          messageId: qos === 1 ? messageId : undefined,
        });
        expect((back.payload as Buffer).equals(payload)).toBe(true);
      }),
      { numRuns: fuzzRuns(3_000) },
    );
  });

  it('encode a PUBACK exactly as mqtt-packet generates it, for every packet id', () => {
    const batch = Buffer.alloc(4 * 0x10000);
    for (let id = 0; id <= 0xffff; id++) {
      const frame = encodePubackFrame(id);
      expect(frame.equals(mqttPacket.generate({ cmd: 'puback', messageId: id }))).toBe(true);
      expect(writePuback(batch, id * 4, id)).toBe(id * 4 + 4);
    }
    const first = parsed(batch.subarray(0, 4)) as mqttPacket.IPubackPacket;
    expect(first.messageId).toBe(0);
    expect(batch.subarray(4 * 0xffff).equals(mqttPacket.generate({ cmd: 'puback', messageId: 0xffff }))).toBe(true);
  });

  it('refuse a topic longer than MQTT can carry with a clear error', () => {
    expect(() => encodePublishFrame('x'.repeat(65_536), Buffer.alloc(0), 0, 0)).toThrow('PUBLISH topic of 65536 bytes exceeds 65535 bytes');
    expect(encodePublishFrame('x'.repeat(65_535), Buffer.alloc(0), 0, 0)).toHaveLength(1 + 3 + 2 + 65_535);
  });
});

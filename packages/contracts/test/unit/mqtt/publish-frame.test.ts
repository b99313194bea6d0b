import { describe, expect, it } from 'vitest';
import { MQTT_MAX_REMAINING_LENGTH, oversizedTopicBytes, publishFrameSize, writePublishHead, writePublishTail } from '@verge/contracts';

// The shared PUBLISH layout's sizes, limits and offsets; whole frames are fuzzed against mqtt-packet where it is
// used (iothub-mqtt/test/fuzz/packet-encoder.test.ts, device-client/test/fuzz/publish-frames.test.ts).

describe('publishFrameSize', () => {
  it('counts the fixed header, the remaining-length varint, the topic, the packet id (QoS 1 only) and the payload', () => {
    expect(publishFrameSize(1, 0, 0)).toBe(1 + 1 + 2 + 1);
    expect(publishFrameSize(1, 0, 1)).toBe(1 + 1 + 2 + 1 + 2);
    expect(publishFrameSize(0, 125, 0)).toBe(1 + 1 + 127);
    expect(publishFrameSize(0, 126, 0)).toBe(1 + 2 + 128);
    expect(publishFrameSize(0, MQTT_MAX_REMAINING_LENGTH - 4, 1)).toBe(1 + 4 + MQTT_MAX_REMAINING_LENGTH);
  });

  it('refuses a topic longer than 65,535 bytes, naming its size', () => {
    expect(publishFrameSize(65_535, 0, 0)).toBe(1 + 3 + 2 + 65_535);
    expect(() => publishFrameSize(65_536, 0, 0)).toThrow(new RangeError('PUBLISH topic of 65536 bytes exceeds 65535 bytes'));
  });

  it("refuses a packet beyond MQTT's remaining-length limit, naming its size", () => {
    expect(() => publishFrameSize(1, MQTT_MAX_REMAINING_LENGTH, 1)).toThrow(new RangeError(`PUBLISH of ${MQTT_MAX_REMAINING_LENGTH + 5} bytes exceeds MQTT's 268435455-byte limit`));
  });
});

describe('oversizedTopicBytes', () => {
  it("gives the UTF-8 length of a topic over 65,535 bytes, as Buffer counts it, and nothing for one that fits", () => {
    expect(oversizedTopicBytes('a'.repeat(65_535))).toBeUndefined();
    expect(oversizedTopicBytes('é'.repeat(21_845))).toBeUndefined();
    for (const topic of ['a'.repeat(65_536), 'é'.repeat(32_768), '€'.repeat(21_846), '😀'.repeat(16_384), '\ud800'.repeat(21_846)]) {
      expect(oversizedTopicBytes(topic)).toBe(Buffer.byteLength(topic, 'utf8'));
    }
  });
});

describe('writePublishHead and writePublishTail', () => {
  it('frame the topic the caller writes in between, and return the offsets around it', () => {
    const topic = [0x61, 0x2f, 0xc3, 0xa9]; // 'a/é'
    const payload = new Uint8Array([104, 105]);
    const buf = new Uint8Array(publishFrameSize(topic.length, payload.length, 1) + 3).fill(0xee);
    const at = writePublishHead(buf, 3, topic.length, payload.length, 1);
    expect(at).toBe(3 + 4);
    buf.set(topic, at);
    expect(writePublishTail(buf, at + topic.length, payload, 1, 0x0102)).toBe(buf.length);
    expect([...buf]).toEqual([0xee, 0xee, 0xee, 0x32, 2 + 4 + 2 + 2, 0, 4, ...topic, 0x01, 0x02, 104, 105]);
  });

  it('leave the packet id out at QoS 0 and write a multi-byte remaining length', () => {
    const payload = new Uint8Array(200).fill(7);
    const buf = new Uint8Array(publishFrameSize(1, payload.length, 0));
    const at = writePublishHead(buf, 0, 1, payload.length, 0);
    expect([...buf.subarray(0, at)]).toEqual([0x30, 203 % 128 | 0x80, 1, 0, 1]);
    buf[at] = 0x74;
    expect(writePublishTail(buf, at + 1, payload, 0, 0xffff)).toBe(buf.length);
    expect(buf.subarray(at + 1)).toEqual(payload);
  });
});

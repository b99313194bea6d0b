import mqttPacket from 'mqtt-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameReader, PacketDecoder } from '../../src/index.js';

const publish = (payloadBytes: number): Buffer =>
  mqttPacket.generate({ cmd: 'publish', topic: 'devices/d/messages/events/', payload: Buffer.alloc(payloadBytes, 7), qos: 1, messageId: 5, dup: false, retain: false });

describe('FrameReader', () => {
  it('splits packets arriving in arbitrary chunks and decodes each', () => {
    const stream = Buffer.concat([publish(10), mqttPacket.generate({ cmd: 'pingreq' }), publish(300), publish(20_000)]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 20 }), (cuts) => {
        const reader = new FrameReader(() => 1 << 20);
        const decoder = new PacketDecoder();
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const frames: string[] = [];
        let from = 0;
        for (const to of [...points, stream.length]) {
          for (const e of reader.push(stream.subarray(from, to))) {
            if (e.kind !== 'frame') throw new Error(e.kind);
            const p = decoder.decode(e.frame);
            frames.push(p.cmd === 'publish' ? `publish:${(p.payload as Buffer).length}` : p.cmd);
          }
          from = to;
        }
        expect(frames).toEqual(['publish:10', 'pingreq', 'publish:300', 'publish:20000']);
        expect(reader.bufferedBytes).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an oversized packet from its header, before the body arrives', () => {
    const reader = new FrameReader(() => 1000);
    const big = publish(5000);
    expect(reader.push(big.subarray(0, 5))).toEqual([{ kind: 'oversize', packetType: 3, totalBytes: big.length }]);
  });

  it('applies the current limit to each packet', () => {
    let limit = 100;
    const reader = new FrameReader(() => limit);
    expect(reader.push(publish(10)).map((e) => e.kind)).toEqual(['frame']);
    expect(reader.push(publish(200)).map((e) => e.kind)).toEqual(['oversize']);
    limit = 1000;
    expect(new FrameReader(() => limit).push(publish(200)).map((e) => e.kind)).toEqual(['frame']);
  });

  it('reports a remaining length longer than four bytes as malformed', () => {
    const reader = new FrameReader(() => Number.MAX_SAFE_INTEGER);
    expect(reader.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toEqual([
      { kind: 'malformed', reason: 'remaining length uses more than 4 bytes (MQTT-2.2.3)' },
    ]);
  });

  it('waits for the rest of a header split across chunks', () => {
    const reader = new FrameReader(() => 1 << 20);
    const p = publish(200); // two-byte remaining length
    expect(reader.push(p.subarray(0, 2))).toEqual([]);
    expect(reader.push(p.subarray(2)).map((e) => e.kind)).toEqual(['frame']);
  });
});

describe('PacketDecoder', () => {
  it('throws on a frame that is not a valid packet, never returns garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 64 }), (bytes) => {
        const reader = new FrameReader(() => 1 << 20);
        const decoder = new PacketDecoder();
        for (const e of reader.push(Buffer.from(bytes))) {
          if (e.kind !== 'frame') return;
          try {
            const p = decoder.decode(e.frame);
            expect(typeof p.cmd).toBe('string');
          } catch (err) {
            expect(err).toBeInstanceOf(Error);
          }
        }
      }),
      { numRuns: 20_000 },
    );
  });
});

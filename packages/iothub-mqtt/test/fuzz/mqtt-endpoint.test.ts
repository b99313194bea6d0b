import mqttPacket from 'mqtt-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimIdentity, clientIdOf, FrameReader, PacketDecoder } from '../../src/index.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

const id = fc.stringMatching(/^[A-Za-z0-9\-.:_]{1,20}$/);

describe('claimIdentity (fuzz)', () => {
  it('never throws on arbitrary client ids and user names', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string(), { nil: undefined }), (clientId, username) => {
        const r = claimIdentity(clientId, username);
        if (r.ok) {
          expect(clientIdOf(r.value.identity)).toBe(clientId);
          expect(r.value.apiVersion).not.toBe('');
        } else {
          expect(r.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('accepts every well-formed SDK user name and rejects it for any other client id', () => {
    fc.assert(
      fc.property(id, fc.option(id, { nil: undefined }), id, fc.string(), (d, m, host, ua) => {
        const clientId = m === undefined ? d : `${d}/${m}`;
        const username = `${host}/${clientId}/?api-version=2021-04-12&DeviceClientType=${encodeURIComponent(ua)}`;
        expect(claimIdentity(clientId, username)).toMatchObject({ ok: true, value: { clientId, hostName: host, apiVersion: '2021-04-12' } });
        expect(claimIdentity(`${clientId}x`, username).ok).toBe(false);
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });
});

describe('FrameReader + PacketDecoder (fuzz)', () => {
  it('turns arbitrary bytes into frames, oversize or malformed events, or Errors from the decoder; never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 2, max: 300 }), (bytes, limit) => {
        const reader = new FrameReader(() => limit);
        const decoder = new PacketDecoder();
        for (const e of reader.push(Buffer.from(bytes))) {
          if (e.kind !== 'frame') continue;
          expect(e.frame.length).toBeLessThanOrEqual(limit);
          try {
            decoder.decode(e.frame);
          } catch (err) {
            expect(err).toBeInstanceOf(Error);
          }
        }
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('decodes mutated valid packets without hanging or leaking state between frames', () => {
    const valid = [
      mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'd/m', clean: false, keepalive: 180, username: 'h/d/m/?api-version=1', password: Buffer.from('SharedAccessSignature sr=x') }),
      mqttPacket.generate({ cmd: 'publish', topic: 'devices/d/messages/events/a=b', payload: Buffer.from('x'), qos: 1, messageId: 1, dup: false, retain: false }),
      mqttPacket.generate({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: '$iothub/twin/res/#', qos: 0 }] }),
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (which, edits) => {
        const bytes = Buffer.from(valid[which] ?? []);
        for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
        const reader = new FrameReader(() => 1 << 16);
        const decoder = new PacketDecoder();
        const events = reader.push(Buffer.concat([bytes, mqttPacket.generate({ cmd: 'pingreq' })]));
        for (const e of events) {
          if (e.kind !== 'frame') return;
          try {
            decoder.decode(e.frame);
          } catch (err) {
            expect(err).toBeInstanceOf(Error);
            return; // the endpoint closes the connection at the first bad frame
          }
        }
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });
});

import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { addressKey } from '../../src/remote-address.js';
import { invalidTextField } from '../../src/utf8-fields.js';

describe('addressKey (what per-address admission limits count under)', () => {
  it.each([
    ['127.0.0.2', '127.0.0.2'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s → %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('invalidTextField (MQTT 3.1.1 §1.5.3)', () => {
  const publish = (topic: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from('x')]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  };

  it('accepts valid UTF-8, including U+FFFD and characters outside the BMP', () => {
    expect(invalidTextField(publish(Buffer.from('devices/d/messages/events/k=\uFFFD😀')))).toBeUndefined();
    expect(invalidTextField(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/é/#', qos: 1 }] }))).toBeUndefined();
    expect(invalidTextField(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'd/m', clean: true, keepalive: 60, username: 'h/d/m', password: Buffer.from([0, 0xff]) }))).toBeUndefined();
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x61, 0x80]), 'PUBLISH topic is not well-formed UTF-8 (MQTT-1.5.3-1)'],
    ['a truncated sequence', Buffer.from([0x61, 0xc3]), 'PUBLISH topic is not well-formed UTF-8 (MQTT-1.5.3-1)'],
    ['an overlong NUL', Buffer.from([0xc0, 0x80]), 'PUBLISH topic is not well-formed UTF-8 (MQTT-1.5.3-1)'],
    ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80]), 'PUBLISH topic is not well-formed UTF-8 (MQTT-1.5.3-1)'],
    ['U+0000', Buffer.from('a\0b'), 'PUBLISH topic contains U+0000 (MQTT-1.5.3-2)'],
  ])('a PUBLISH topic with %s is named', (_what, topic, problem) => {
    expect(invalidTextField(publish(topic))).toBe(problem);
  });

  it('checks every filter of SUBSCRIBE and UNSUBSCRIBE and the text fields of CONNECT (not the binary password)', () => {
    const sub = mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ok', qos: 0 }, { topic: 'b\0d', qos: 1 }] });
    expect(invalidTextField(sub)).toBe('SUBSCRIBE topic filter 2 contains U+0000 (MQTT-1.5.3-2)');
    const unsub = mqttPacket.generate({ cmd: 'unsubscribe', messageId: 1, unsubscriptions: ['x\0'] });
    expect(invalidTextField(unsub)).toBe('UNSUBSCRIBE topic filter 1 contains U+0000 (MQTT-1.5.3-2)');
    const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'd\0', clean: true, keepalive: 60 });
    expect(invalidTextField(connect)).toBe('CONNECT client id contains U+0000 (MQTT-1.5.3-2)');
    const user = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'd', clean: true, keepalive: 60, username: 'u\0' });
    expect(invalidTextField(user)).toBe('CONNECT user name contains U+0000 (MQTT-1.5.3-2)');
  });

  it('never throws on truncated or nonsensical frames (the decoder reports those)', () => {
    for (const frame of [Buffer.from([0x30]), Buffer.from([0x30, 0x05, 0xff, 0xff]), Buffer.from([0x82, 0x02, 0x00]), Buffer.from([0x10, 0x01, 0x00])]) {
      expect(() => invalidTextField(frame)).not.toThrow();
    }
  });
});

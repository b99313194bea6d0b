import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInboundTopic, topics } from '@verge/contracts';

// Cross-check against the real Node SDK (azure-iot-device-mqtt 1.16.4): what it parses from our hub→device
// topics, and the topics it builds for device→hub messages.
const require = createRequire(import.meta.url);
const { Mqtt } = require('azure-iot-device-mqtt') as { Mqtt: new (auth: unknown) => SdkMqtt };
const { Message } = require('azure-iot-common') as { Message: new (body: string) => SdkMessage };

interface SdkMessage {
  messageId?: string;
  correlationId?: string;
  userId?: string;
  to?: string;
  contentType?: string;
  contentEncoding?: string;
  expiryTimeUtc?: string;
  properties: { add(k: string, v: string): void; propertyList: { key: string; value: string }[] };
}
interface SdkMqtt {
  on(event: string, cb: (...args: never[]) => void): void;
  _onC2DMessage(topic: string, payload: Uint8Array): void;
  _onInputMessage(topic: string, payload: Uint8Array): void;
  _onDeviceMethod(topic: string, payload: Uint8Array): void;
  _getEventTopicFromMessage(message: SdkMessage, extra?: Record<string, string>): string;
  _topicTelemetryPublish: string;
}

const fakeAuth = { getDeviceCredentials: () => undefined, on: () => undefined, type: 0 };

function sdkC2d(topic: string): SdkMessage {
  const mqtt = new Mqtt(fakeAuth);
  let received: SdkMessage | undefined;
  mqtt.on('message', (msg: never) => (received = msg));
  mqtt._onC2DMessage(topic, new Uint8Array());
  if (received === undefined) throw new Error('SDK did not emit');
  return received;
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const appKey = text.filter((k) => k !== '' && !k.startsWith('$.') && k !== 'iothub-operation');

describe('Node SDK compatibility', () => {
  it('the SDK reads our C2D topic: system properties into message fields, the rest into properties', () => {
    const msg = sdkC2d(
      topics.c2d('d1', {
        systemProperties: { messageId: 'm 1', cid: 'c/2', userId: 'u', to: '/devices/d1/messages/deviceBound', contentType: 'application/json', contentEncoding: 'utf-8', 'absolute-expiry-time': '2030-01-01T00:00:00.000Z' },
        properties: { 'a b': 'x&y=z', empty: '' },
      }),
    );
    expect(msg).toMatchObject({
      messageId: 'm 1',
      correlationId: 'c/2',
      userId: 'u',
      to: '/devices/d1/messages/deviceBound',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      expiryTimeUtc: '2030-01-01T00:00:00.000Z',
    });
    expect(msg.properties.propertyList).toEqual([
      { key: 'a b', value: 'x&y=z' },
      { key: 'empty', value: '' },
    ]);
  });

  it('the SDK reads arbitrary application properties of our C2D topic back unchanged', () => {
    fc.assert(
      fc.property(fc.dictionary(appKey, text, { maxKeys: 5 }), (properties) => {
        const list = sdkC2d(topics.c2d('d1', { properties })).properties.propertyList;
        expect(Object.fromEntries(list.map((p) => [p.key, p.value]))).toEqual(properties);
      }),
      { numRuns: 500 },
    );
  });

  it('the SDK reads our module input topic, including the input name and $.cdid/$.cmid as properties', () => {
    const mqtt = new Mqtt(fakeAuth);
    const got: unknown[] = [];
    mqtt.on('inputMessage', (input: never, msg: never) => got.push([input, (msg as SdkMessage).messageId, (msg as SdkMessage).properties.propertyList]));
    mqtt._onInputMessage(topics.moduleInput('e1', 'm2', 'in1', { systemProperties: { messageId: 'x', connectionDeviceId: 'e1', connectionModuleId: 'm1' } }), new Uint8Array());
    mqtt._onInputMessage(topics.moduleInput('e1', 'm2', 'in2'), new Uint8Array());
    expect(got).toEqual([
      ['in1', 'x', [{ key: '$.cdid', value: 'e1' }, { key: '$.cmid', value: 'm1' }]],
      ['in2', '', []], // the SDK's Message defaults messageId to ''
    ]);
  });

  it('the SDK reads our method request topic (name raw, $rid decoded)', () => {
    const mqtt = new Mqtt(fakeAuth);
    const got: unknown[] = [];
    mqtt.on('method_reboot', (m: never) => got.push((m as { requestId: string }).requestId));
    mqtt._onDeviceMethod(topics.methodRequest('reboot', 'a b+c'), new Uint8Array());
    expect(got).toEqual(['a b+c']);
  });

  it('our builders produce the topics the SDK builds for sendEvent and sendOutputEvent', () => {
    fc.assert(
      fc.property(
        fc.record({ messageId: text, correlationId: text, contentType: text, contentEncoding: text }, { requiredKeys: [] }),
        fc.dictionary(appKey.filter((k) => k !== 'dt-subject'), text, { maxKeys: 4 }),
        fc.option(text.filter((s) => s !== ''), { nil: undefined }),
        (sys, properties, outputName) => {
          const mqtt = new Mqtt(fakeAuth);
          mqtt._topicTelemetryPublish = 'devices/d1/modules/m1/messages/events/';
          const message = new Message('body');
          Object.assign(message, Object.fromEntries(Object.entries(sys).filter(([, v]) => v !== '')));
          for (const [k, v] of Object.entries(properties)) message.properties.add(k, v);
          const extra = outputName === undefined ? undefined : { '$.on': outputName };
          const sdkTopic = mqtt._getEventTopicFromMessage(message, extra) + (extra ? '/' : '');
          const systemProperties = Object.fromEntries(
            Object.entries({ messageId: sys.messageId, cid: sys.correlationId, contentType: sys.contentType, contentEncoding: sys.contentEncoding, outputName }).filter(
              ([, v]) => v !== undefined && v !== '',
            ),
          ) as Record<string, string>;
          expect(topics.moduleEvents('d1', 'm1', { systemProperties, properties })).toBe(sdkTopic);
          expect(parseInboundTopic(sdkTopic)).toMatchObject({ kind: 'telemetry', properties });
        },
      ),
      { numRuns: 500 },
    );
  });
});

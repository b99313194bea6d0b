// The unmodified azure-iothub `Client` over AMQP (its default transport, what IoT Hub's C2D quickstart uses):
// claims-based security with the owner policy's token, `Client.send` to a device connected over MQTT with the SDK,
// and the errors IoT Hub gives, as the SDK's own error classes.
import { NoRetry } from 'azure-iot-common';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { runServiceClient, startTestCloud, type ServiceStep, type TestCloud } from '@verge/testkit/cloud';
import { deviceConnectionString, SdkClients } from './sdk-support/sdk-clients.js';

const sdk = new SdkClients();
let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(async () => {
  await sdk.closeAll();
  await t?.stop();
});

function service(steps: readonly ServiceStep[], cs = t.cloud.serviceConnectionString) {
  return runServiceClient({ serviceConnectionString: cs, amqpPort: t.amqpPort ?? 0, caPath: t.cloud.caPath, steps });
}

it('delivers a Client.send message with its id, correlation id, expiry and properties to the SDK device', async () => {
  const key = await t.createDevice('amqp-target');
  const device = await sdk.device(deviceConnectionString({ hostName: t.hostName, deviceId: 'amqp-target', key, port: t.mqttPort }), { ca: t.caPem });
  device.setRetryPolicy(new NoRetry());
  await device.open();
  const received: { data: string; messageId: unknown; correlationId: unknown; expiry: unknown; props: Record<string, unknown> }[] = [];
  device.on('message', (msg) => {
    const props: Record<string, unknown> = {};
    for (let i = 0; i < msg.properties.count(); i++) {
      const p = msg.properties.getItem(i);
      props[p.key] = p.value;
    }
    received.push({ data: msg.getData().toString(), messageId: msg.messageId, correlationId: msg.correlationId, expiry: msg.expiryTimeUtc, props });
    void device.complete(msg);
  });
  await t.subscribed('amqp-target', 'devices/amqp-target/messages/devicebound/');

  const expiry = new Date(Date.now() + 10 * 60_000).toISOString();
  const outcomes = await service([
    { send: 'amqp-target', data: 'over amqp', messageId: 'm-1', correlationId: 'c-1', expiryTimeUtc: expiry, properties: { colour: 'blue' } },
    { send: 'amqp-target', data: 'second', messageId: '0b6f5c62-2c5e-4d6e-9b53-6a1d3e1b2f10' },
  ]);
  expect(outcomes).toEqual([{ ok: true }, { ok: true }]);
  await eventually(() => received.length === 2, { timeoutMs: 10_000, description: 'both messages reach the device' });
  expect(received[0]).toMatchObject({ data: 'over amqp', messageId: 'm-1', correlationId: 'c-1', props: { colour: 'blue' } });
  expect(new Date(String(received[0]?.expiry)).toISOString()).toBe(expiry);
  // A UUID-shaped id travels as an AMQP uuid (16 bytes) and arrives as the same text.
  expect(received[1]).toMatchObject({ data: 'second', messageId: '0b6f5c62-2c5e-4d6e-9b53-6a1d3e1b2f10' });
}, 60_000);

it("answers with IoT Hub's errors: unknown device, too large, a full queue, a wrong key", async () => {
  await t.createDevice('amqp-offline');
  const fill: ServiceStep[] = Array.from({ length: 51 }, (_, i) => ({ send: 'amqp-offline', data: `m${i}` }));
  const outcomes = await service([{ send: 'no-such-device', data: 'x' }, { send: 'amqp-offline', data: 'x'.repeat(70_000) }, ...fill]);
  expect(outcomes[0]).toMatchObject({ ok: false, name: 'DeviceNotFoundError' });
  expect(outcomes[0]?.detail).toContain("CLD_DEVICE_NOT_FOUND: device 'no-such-device'");
  expect(outcomes[1]).toMatchObject({ ok: false, name: 'MessageTooLargeError' });
  expect(outcomes.slice(2, 52).every((o) => o.ok)).toBe(true);
  expect(outcomes[52]).toMatchObject({ ok: false, name: 'DeviceMaximumQueueDepthExceededError' });
  expect(outcomes[52]?.detail).toContain("device 'amqp-offline' already has 50 pending");

  const wrongKey = t.cloud.serviceConnectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${Buffer.alloc(32, 7).toString('base64')}`);
  const [refused] = await service([{ send: 'amqp-offline', data: 'x' }], wrongKey);
  // The SDK wraps the put-token refusal of its connect in a plain Error; the refusal itself is an UnauthorizedError.
  expect(refused).toMatchObject({ ok: false, inner: 'UnauthorizedError' });
  expect(refused?.detail).toContain('CLD_AUTH_SIGNATURE_INVALID');
}, 90_000);

it('tells a sender who asked (iothub-ack) that the device completed its message, through getFeedbackReceiver', async () => {
  const key = await t.createDevice('amqp-acked');
  const device = await sdk.device(deviceConnectionString({ hostName: t.hostName, deviceId: 'amqp-acked', key, port: t.mqttPort }), { ca: t.caPem });
  device.setRetryPolicy(new NoRetry());
  await device.open();
  device.on('message', (msg) => void device.complete(msg));
  await t.subscribed('amqp-acked', 'devices/amqp-acked/messages/devicebound/');
  const { generationId } = (await t.ok('GET', '/devices/amqp-acked')) as { generationId: string };
  const [sent, quiet, read] = await service([
    { send: 'amqp-acked', data: 'please confirm', messageId: 'ack-1', ack: 'full' },
    { send: 'amqp-acked', data: 'no feedback wanted', messageId: 'ack-2', ack: 'negative' },
    { feedback: 1 },
  ]);
  expect([sent, quiet]).toEqual([{ ok: true }, { ok: true }]);
  expect(read?.records).toEqual([
    { originalMessageId: 'ack-1', deviceId: 'amqp-acked', deviceGenerationId: generationId, enqueuedTimeUtc: expect.any(String), statusCode: 'Success', description: 'Success' },
  ]);
}, 90_000);

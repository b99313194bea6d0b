// Telemetry on JetStream: every message a cloud with `--bus` stores reaches the stream, and the runnable consumer
// example (samples/telemetry-consumer.mjs) reads it with nothing but the NATS client.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestBus, startTestCloud, type TestBus, type TestCloud } from '@verge/testkit/cloud';

const CONSUMER = fileURLToPath(new URL('../../../../samples/telemetry-consumer.mjs', import.meta.url));
let bus: TestBus;
let cloud: TestCloud;

beforeAll(async () => {
  bus = createTestBus();
  cloud = await startTestCloud(undefined, {}, { bus: bus.url });
});
afterAll(async () => {
  await cloud?.stop();
  await bus?.drop();
});

it('publishes each stored message (body, properties, system properties) and the consumer example prints it', async () => {
  await cloud.createDevice('sensor.1');
  const ingest = (moduleId: string | undefined, body: Uint8Array, properties: Record<string, string>) =>
    cloud.cloud.services.endpoint.ingestTelemetry({
      body,
      properties,
      systemProperties: {
        connectionDeviceId: 'sensor.1',
        ...(moduleId === undefined ? {} : { connectionModuleId: moduleId }),
        messageId: `m-${moduleId ?? 'device'}`,
        contentType: 'application/json',
        enqueuedTime: new Date().toISOString(),
      },
    });
  await ingest(undefined, Buffer.from('{"t":21.5}'), { alert: 'no', 'line\nbreak': 'a "quoted"\nvalue' });
  await ingest('filter', Uint8Array.from([0xff, 0x00, 0x01]), {});

  const { stdout } = await promisify(execFile)(process.execPath, [CONSUMER, '--server', bus.server, '--prefix', bus.prefix, '--count', '2'], { timeout: 60_000 });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatchObject({
    deviceId: 'sensor.1',
    text: '{"t":21.5}',
    properties: { alert: 'no', 'line\nbreak': 'a "quoted"\nvalue' },
    systemProperties: { connectionDeviceId: 'sensor.1', messageId: 'm-device', contentType: 'application/json' },
  });
  expect(lines[0]).not.toHaveProperty('moduleId');
  expect(lines[1]).toMatchObject({ deviceId: 'sensor.1', moduleId: 'filter', base64: Buffer.from([0xff, 0x00, 0x01]).toString('base64'), properties: {} });
  expect(lines[1]?.['sequenceNumber']).toBeGreaterThan(lines[0]?.['sequenceNumber'] as number);
  expect(new Date(lines[0]?.['enqueuedTime'] as string).getTime()).toBeGreaterThan(0);
});

// Instance B loses its NATS link while A keeps serving: the events A publishes meanwhile (desired patch, C2D queued,
// identity deleted) never reach B (NATS core is at most once). When B's link comes back it brings the clients
// connected to it up to the store (mqtt/bus-resync.ts), so an SDK device that stayed connected to B the whole time
// still gets the desired patch and the C2D message, and a device deleted on A loses its connection on B.
import { NoRetry } from 'azure-iot-common';
import { afterAll, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { createTestBus, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { startTcpProxy } from '@verge/testkit/faults';
import { createPgTestSchema } from '../contract/postgres-test-schema.js';
import { deviceConnectionString, SdkClients } from './sdk-support/sdk-clients.js';

const sdk = new SdkClients();
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  await sdk.closeAll();
  for (const step of cleanup.reverse()) await step();
});

async function readyStatus(cloud: TestCloud): Promise<number> {
  return (await fetch(`${cloud.cloud.urls.http}/health/ready`)).status;
}

it('catches up the clients connected to an instance whose bus link was down: desired patch, C2D, deleted identity', async () => {
  const schema = await createPgTestSchema();
  cleanup.push(() => schema.drop());
  const bus = createTestBus();
  cleanup.push(() => bus.drop());
  const proxy = await startTcpProxy(Number(new URL(bus.server).port));
  cleanup.push(() => proxy.close());
  const a = await startTestCloud(undefined, {}, { db: schema.urlWithSchema, bus: bus.url });
  cleanup.push(() => a.stop());
  const b = await startTestCloud(undefined, {}, { db: schema.urlWithSchema, bus: `nats://127.0.0.1:${proxy.port}?prefix=${bus.prefix}` });
  cleanup.push(() => b.stop());

  const connectToB = async (deviceId: string) => {
    const key = await a.createDevice(deviceId);
    const client = await sdk.device(deviceConnectionString({ hostName: b.hostName, deviceId, key, port: b.mqttPort }), { ca: b.caPem });
    client.setRetryPolicy(new NoRetry());
    await client.open();
    return client;
  };
  const staying = await connectToB('stays-on-b');
  const desired: Record<string, unknown>[] = [];
  const twin = await staying.getTwin();
  twin.on('properties.desired', (patch: Record<string, unknown>) => desired.push(patch));
  const c2d: string[] = [];
  staying.on('message', (msg) => {
    c2d.push(msg.getData().toString());
    void staying.complete(msg);
  });
  const deleted = await connectToB('deleted-on-a');
  const deletedClosed = new Promise<void>((resolve) => deleted.on('disconnect', () => resolve()));
  await b.subscribed('stays-on-b', '$iothub/twin/PATCH/properties/desired/');
  await b.subscribed('stays-on-b', 'devices/stays-on-b/messages/devicebound/');

  proxy.cut();
  await eventually(async () => (await readyStatus(b)) === 503, { description: 'B reports its bus down' });
  await a.ok('PATCH', '/twins/stays-on-b', { properties: { desired: { interval: 30 } } });
  await a.ok('POST', '/devices/stays-on-b/messages/deviceBound', 'sent while B was cut off');
  await a.ok('DELETE', '/devices/deleted-on-a');

  proxy.restore();
  await eventually(async () => (await readyStatus(b)) === 200, { timeoutMs: 20_000, description: 'B reports its bus back' });
  await eventually(() => desired.some((p) => p['interval'] === 30 && p['$version'] === 2), { timeoutMs: 10_000, description: 'the desired patch reaches the device on B' });
  await eventually(() => c2d.includes('sent while B was cut off'), { timeoutMs: 10_000, description: 'the C2D message reaches the device on B' });
  await deletedClosed;
  expect(c2d).toEqual(['sent while B was cut off']);
}, 90_000);

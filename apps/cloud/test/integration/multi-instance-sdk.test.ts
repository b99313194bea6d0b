// Two cloud instances on different loopback ports sharing one PostgreSQL schema and one NATS bus, with the
// unmodified Azure IoT device SDK (issue 9): a desired patch, a C2D message and a direct method issued on instance A
// reach a device connected to instance B, and the device connecting to A while still connected to B closes its
// connection on B (IoT Hub keeps the newest).
import { NoRetry } from 'azure-iot-common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '@verge/testkit/cloud';
import { eventually } from '@verge/testkit';
import { startTwoCloudInstances, type TwoCloudInstances } from '../helpers/two-cloud-instances.js';
import { deviceConnectionString, nextDesired, SdkClients } from './sdk-support/sdk-clients.js';

let clouds: TwoCloudInstances | undefined;
let a: TestCloud;
let b: TestCloud;
const sdk = new SdkClients();

beforeAll(async () => {
  clouds = await startTwoCloudInstances();
  ({ a, b } = clouds);
});
afterAll(async () => {
  await sdk.closeAll();
  await clouds?.stop();
});

/** An SDK device connected to `cloud` (each test instance has its own CA: a real deployment shares one certificate). */
async function connectTo(cloud: TestCloud, deviceId: string, key: string, retry?: NoRetry) {
  const client = await sdk.device(deviceConnectionString({ hostName: cloud.hostName, deviceId, key, port: cloud.mqttPort }), { ca: cloud.caPem });
  if (retry !== undefined) client.setRetryPolicy(retry);
  await client.open();
  return client;
}

describe('an Azure SDK device on instance B, served from instance A', () => {
  it('receives a desired patch, a C2D message and a direct method issued on A', async () => {
    const key = await a.createDevice('sdk-on-b');
    const client = await connectTo(b, 'sdk-on-b', key);

    const twin = await client.getTwin();
    const desired = nextDesired(twin, 'interval', 10_000);
    await b.subscribed('sdk-on-b', '$iothub/twin/PATCH/properties/desired/');
    await a.ok('PATCH', '/twins/sdk-on-b', { properties: { desired: { interval: 30 } } });
    expect(await desired).toMatchObject({ interval: 30 });

    const c2d = new Promise<string>((resolve) =>
      client.on('message', (msg) => {
        void client.complete(msg);
        resolve(msg.getData().toString());
      }),
    );
    await b.subscribed('sdk-on-b', 'devices/sdk-on-b/messages/devicebound/');
    await a.ok('POST', '/devices/sdk-on-b/messages/deviceBound', 'from A');
    expect(await c2d).toBe('from A');
    await eventually(async () => (await a.cloud.services.endpoint.pendingC2d('sdk-on-b')).length === 0, { description: 'the C2D message is completed' });

    client.onDeviceMethod('reboot', (req, res) => void res.send(200, { on: 'B', delay: (req.payload as { delay: number }).delay }));
    await b.subscribed('sdk-on-b', '$iothub/methods/POST/');
    const answered = await a.rest('POST', '/twins/sdk-on-b/methods', { methodName: 'reboot', payload: { delay: 2 }, responseTimeoutInSeconds: 10, connectTimeoutInSeconds: 10 });
    expect(answered).toEqual({ status: 200, body: { status: 200, payload: { on: 'B', delay: 2 } } });

    client.onDeviceMethod('hang', () => undefined);
    const timedOut = await a.rest('POST', '/twins/sdk-on-b/methods', { methodName: 'hang', payload: null, responseTimeoutInSeconds: 5 });
    expect(timedOut.status).toBe(504);
  }, 60_000);

  it('closes the connection on B when the device connects to A (takeover), and the registry shows it connected', async () => {
    const key = await a.createDevice('sdk-moving');
    // No retry: a device that reconnects to B would take the connection back (IoT Hub's rule works both ways).
    const onB = await connectTo(b, 'sdk-moving', key, new NoRetry());
    const closedOnB = new Promise<void>((resolve) => onB.on('disconnect', () => resolve()));
    await eventually(async () => ((await a.ok('GET', '/devices/sdk-moving')) as { connectionState: string }).connectionState === 'Connected', { description: 'connected on B' });

    const onA = await connectTo(a, 'sdk-moving', key);
    await closedOnB;
    await eventually(async () => ((await b.ok('GET', '/devices/sdk-moving')) as { connectionState: string }).connectionState === 'Connected', {
      description: 'the registry keeps the new connection',
    });

    onA.onDeviceMethod('where', (_req, res) => void res.send(200, 'A'));
    await a.subscribed('sdk-moving', '$iothub/methods/POST/');
    expect(await b.rest('POST', '/twins/sdk-moving/methods', { methodName: 'where', payload: null, responseTimeoutInSeconds: 10, connectTimeoutInSeconds: 10 })).toEqual({
      status: 200,
      body: { status: 200, payload: 'A' },
    });
  }, 60_000);
});

// Jobs on two cloud instances sharing one PostgreSQL schema and one NATS bus: only the holder of the `jobs` lease
// runs a job, so each device is processed once; a method job reaches a device connected to either instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import { eventually } from '@verge/testkit';
import { serviceClient, type TestCloud } from '@verge/testkit/cloud';
import { startTwoCloudInstances, type TwoCloudInstances } from '../helpers/two-cloud-instances.js';
import { SdkClients, deviceConnectionString } from './sdk-support/sdk-clients.js';

const { Registry } = iothub;
type JobJson = { status: string; deviceJobStatistics: { deviceCount: number; succeededCount: number; failedCount: number } };

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

const completed = (cloud: TestCloud, jobId: string): Promise<JobJson> =>
  eventually(
    async () => {
      const job = (await cloud.ok('GET', `/jobs/v2/${jobId}`)) as JobJson;
      return job.status === 'completed' ? job : undefined;
    },
    { timeoutMs: 60_000, description: `job ${jobId} to complete` },
  );

describe('jobs on two instances', () => {
  it('a twin job created on one instance patches each device exactly once', async () => {
    const registry = serviceClient(Registry, a);
    const devices = Array.from({ length: 300 }, (_, i) => ({ deviceId: `mi-${String(i).padStart(3, '0')}` }));
    for (let i = 0; i < devices.length; i += 100) await registry.addDevices(devices.slice(i, i + 100));
    await a.ok('PUT', '/jobs/v2/mi-twin', { type: 'scheduleUpdateTwin', queryCondition: "STARTSWITH(deviceId, 'mi-')", updateTwin: { properties: { desired: { v: 1 } } } });
    // Both instances see the progress (one store); the job is answered by B while A may be the one running it.
    const done = await completed(b, 'mi-twin');
    expect(done.deviceJobStatistics).toMatchObject({ deviceCount: 300, succeededCount: 300, failedCount: 0 });
    // One patch per device: the twin moved one version, the desired section one $version.
    const twins = (await b.ok('POST', '/devices/query', { query: "SELECT deviceId, version, properties.desired.$version AS dv FROM devices WHERE STARTSWITH(deviceId, 'mi-')" }, { 'x-ms-max-item-count': '1000' })) as { version: number; dv: number }[];
    expect(twins).toHaveLength(300);
    expect(new Set(twins.map((t) => `${t.version}/${t.dv}`))).toEqual(new Set(['2/2']));
  }, 120_000);

  it('a method job reaches a device connected to the other instance, once', async () => {
    const key = await a.createDevice('mi-method');
    const client = await sdk.device(deviceConnectionString({ hostName: b.hostName, deviceId: 'mi-method', key, port: b.mqttPort }), { ca: b.caPem });
    await client.open();
    let calls = 0;
    client.onDeviceMethod('ping', (_req, res) => {
      calls += 1;
      void res.send(200, { pong: true });
    });
    await b.subscribed('mi-method', '$iothub/methods/POST/');
    await a.ok('PUT', '/jobs/v2/mi-ping', { type: 'scheduleDeviceMethod', queryCondition: "deviceId = 'mi-method'", cloudToDeviceMethod: { methodName: 'ping', payload: {} } });
    const done = await completed(a, 'mi-ping');
    expect(done.deviceJobStatistics).toMatchObject({ deviceCount: 1, succeededCount: 1 });
    expect(calls).toBe(1);
  }, 60_000);
});

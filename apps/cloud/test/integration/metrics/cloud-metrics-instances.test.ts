import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import type { TestCloud } from '@verge/testkit/cloud';
import { parseMetricSeries, samplesOf, valueOf, type MetricFamily } from '@verge/testkit/prometheus';
import { startTwoCloudInstances, type TwoCloudInstances } from '../../helpers/two-cloud-instances.js';
import { SdkClients, Message, deviceConnectionString } from '../sdk-support/sdk-clients.js';

// Two cloud instances sharing one PostgreSQL schema and one NATS bus: each exposes its own counts (what it did,
// not what it heard over the bus), labelled with its own instance id, so summing the instances gives the fleet's.

let clouds: TwoCloudInstances | undefined;
let a: TestCloud;
let b: TestCloud;
const sdk = new SdkClients();

beforeAll(async () => {
  clouds = await startTwoCloudInstances();
  ({ a, b } = clouds);
});
afterEach(async () => {
  await sdk.closeAll();
});
afterAll(() => clouds?.stop());

async function scrape(t: TestCloud): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`${t.cloud.urls.http}/metrics`, { headers: { authorization: t.serviceToken() } });
  expect(res.status).toBe(200);
  return parseMetricSeries(await res.text());
}

describe('metrics of two cloud instances', () => {
  it('count what each instance did, each under its own cloud_instance label', async () => {
    const key = await a.createDevice('two-dev');
    const client = await sdk.device(deviceConnectionString({ hostName: a.hostName, deviceId: 'two-dev', key, port: a.mqttPort }), { ca: a.caPem });
    await client.open();
    await client.sendEvent(new Message('one'));
    await client.sendEvent(new Message('two'));
    await b.ok('PATCH', '/twins/two-dev', { properties: { desired: { rate: 1 } } });
    // The desired patch, made on b, reaches the device through a (over the bus): wait until a has relayed it.
    const twin = await client.getTwin();
    await eventually(() => twin.properties.desired['rate'] === 1, { description: 'the desired patch made on b to reach the device on a' });

    const [fa, fb] = await Promise.all([scrape(a), scrape(b)]);
    const instanceOf = (f: Map<string, MetricFamily>) => samplesOf(f, 'verge_cloud_connected_clients', { kind: 'device' })[0]?.labels?.['cloud_instance'];
    expect(instanceOf(fa)).toMatch(/^localhost-[0-9a-f]{8}$/);
    expect(instanceOf(fb)).toMatch(/^localhost-[0-9a-f]{8}$/);
    expect(instanceOf(fa)).not.toBe(instanceOf(fb));

    expect(valueOf(fa, 'verge_cloud_connected_clients', { kind: 'device' })).toBe(1);
    expect(valueOf(fb, 'verge_cloud_connected_clients', { kind: 'device' })).toBe(0);
    expect(valueOf(fa, 'verge_cloud_telemetry_messages_received_total')).toBe(2);
    expect(valueOf(fb, 'verge_cloud_telemetry_messages_received_total')).toBe(0);
    // b wrote the desired patch; a only heard of it over the bus.
    expect(valueOf(fb, 'verge_cloud_twin_updates_total', { section: 'desired' })).toBe(1);
    expect(valueOf(fa, 'verge_cloud_twin_updates_total', { section: 'desired' })).toBe(0);
    // Fleet gauges come from the shared store: both instances agree.
    expect(valueOf(fa, 'verge_cloud_deployments', { rollout_status: 'none' })).toBe(valueOf(fb, 'verge_cloud_deployments', { rollout_status: 'none' }));
  });
});

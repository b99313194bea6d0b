import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Message, SdkClients, deviceConnectionString, moduleConnectionString, nextDesired, updateReported } from './sdk-support/sdk-clients.js';
import { eventually, freePort } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';

// Sessions with the unmodified SDK against a real cloud: token renewal (DISCONNECT + CONNECT, no re-subscribe),
// module clients, and a cloud restart (the SDK re-subscribes only methods and C2D after a drop, reference §6).

const sdk = new SdkClients();
const clouds: TestCloud[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await sdk.closeAll();
  for (const c of clouds.splice(0)) await c.stop({ keepData: true });
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function start(dataDir?: string, ports?: { http: number; mqtt: number }): Promise<TestCloud> {
  const cloud = await startTestCloud(dataDir, ports);
  clouds.push(cloud);
  if (!dirs.includes(cloud.dataDir)) dirs.push(cloud.dataDir);
  return cloud;
}

describe('sessions with the Azure IoT device SDK', () => {
  it('keeps twin, desired patches and methods across SAS token renewal', async () => {
    const cloud = await start();
    const key = await cloud.createDevice('renew-1');
    const client = await sdk.device(deviceConnectionString({ hostName: cloud.hostName, deviceId: 'renew-1', key, port: cloud.mqttPort }), {
      ca: cloud.caPem, // in the same setOptions call as tokenRenewal (reference §1 gotcha)
      tokenRenewal: { tokenValidTimeInSeconds: 6, tokenRenewalMarginInSeconds: 4 },
    });
    await client.open();
    const twin = await client.getTwin();
    const desired = nextDesired(twin, 'after', 20_000);
    client.onDeviceMethod('ping', (_req, res) => void res.send(200, 'pong'));
    await cloud.reconnects('renew-1', 2); // ≥ 2 renewals: DISCONNECT + CONNECT with a new token each time
    await updateReported(twin, { renewed: true });
    const answer = await cloud.rest('POST', '/twins/renew-1/methods', { methodName: 'ping', responseTimeoutInSeconds: 5 });
    expect(answer.body).toEqual({ status: 200, payload: 'pong' });
    await cloud.rest('PATCH', '/twins/renew-1', { properties: { desired: { after: 'renewal' } } });
    expect(await desired).toMatchObject({ after: 'renewal' });
    expect((await client.getTwin()).properties.reported['renewed']).toBe(true);
  }, 30_000);

  it('connects a module client: telemetry, module twin and module methods', async () => {
    const cloud = await start();
    await cloud.createDevice('edge-1');
    const { primaryKey: key } = await cloud.createModule('edge-1', 'filter');
    const events = await cloud.openEvents('?deviceId=edge-1&moduleId=filter');
    const mod = await sdk.module(moduleConnectionString({ hostName: cloud.hostName, deviceId: 'edge-1', moduleId: 'filter', key, port: cloud.mqttPort }), { ca: cloud.caPem });
    await mod.open();
    await mod.sendEvent(new Message('module data'));
    await eventually(async () => events.messages.length === 1, { description: 'module telemetry on /events', timeoutMs: 5000 });
    expect(events.messages[0]).toMatchObject({ deviceId: 'edge-1', moduleId: 'filter', systemProperties: { connectionDeviceId: 'edge-1', connectionModuleId: 'filter' } });
    const twin = await mod.getTwin();
    await updateReported(twin, { ready: true });
    const viaRest = await cloud.rest('GET', '/twins/edge-1/modules/filter');
    expect((viaRest.body as { properties: { reported: Record<string, unknown> } }).properties.reported['ready']).toBe(true);
    mod.onMethod('flush', (_req, res) => void res.send(202, { flushed: 3 }));
    await cloud.subscribed('edge-1/filter', '$iothub/methods/POST/');
    const answer = await cloud.rest('POST', '/twins/edge-1/modules/filter/methods', { methodName: 'flush', responseTimeoutInSeconds: 5 });
    expect(answer.body).toEqual({ status: 202, payload: { flushed: 3 } });
  });

  it('survives a cloud restart: twin requests and desired patches keep working without re-subscription', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'verge-cloud-restart-'));
    dirs.push(dataDir);
    const ports = { http: await freePort(), mqtt: await freePort() };
    const first = await start(dataDir, ports);
    const key = await first.createDevice('restart-1');
    const client = await sdk.device(deviceConnectionString({ hostName: first.hostName, deviceId: 'restart-1', key, port: ports.mqtt }), { ca: first.caPem });
    await client.open();
    const twin = await client.getTwin();
    twin.on('properties.desired', () => undefined); // subscribes to desired patches now
    client.onDeviceMethod('ping', (_req, res) => void res.send(200, 'pong'));
    await first.subscribed('restart-1', '$iothub/twin/PATCH/properties/desired/');
    await first.subscribed('restart-1', '$iothub/methods/POST/');
    await first.stop({ keepData: true });
    clouds.splice(clouds.indexOf(first), 1);
    const second = await start(dataDir, ports);
    await eventually(async () => ((await second.rest('GET', '/devices/restart-1')).body as { connectionState: string }).connectionState === 'Connected', { description: 'SDK reconnected', timeoutMs: 30_000 });
    const desired = nextDesired(twin, 'afterRestart', 10_000);
    await second.rest('PATCH', '/twins/restart-1', { properties: { desired: { afterRestart: 1 } } });
    expect(await desired).toMatchObject({ afterRestart: 1 });
    const fresh = await client.getTwin();
    expect(fresh.properties.desired['afterRestart']).toBe(1);
    await eventually(async () => (await second.rest('POST', '/twins/restart-1/methods', { methodName: 'ping', responseTimeoutInSeconds: 5 })).status === 200, { description: 'method after restart', timeoutMs: 10_000 });
  }, 60_000);
});

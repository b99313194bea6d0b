// Two cloud instances on different loopback ports sharing one PostgreSQL schema and one NATS bus (issue 9): what
// is issued on instance A reaches a client of instance B, and a client connecting to a second instance closes its
// connection on the first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientIdentity } from '@verge/core';
import { applyConfigurationContent, createEdgeDevice, type TestCloud } from '@verge/testkit/cloud';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import { eventually } from '@verge/testkit';
import { startTwoCloudInstances, type TwoCloudInstances } from '../helpers/two-cloud-instances.js';

let clouds: TwoCloudInstances | undefined;
let a: TestCloud;
let b: TestCloud;

beforeAll(async () => {
  clouds = await startTwoCloudInstances();
  ({ a, b } = clouds);
});
afterAll(() => clouds?.stop());

/** Resolves with the first value `subscribe` hands its listener that `match` accepts. */
function next<T>(subscribe: (listener: (value: T) => void) => () => void, match: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const unsubscribe = subscribe((value) => {
      if (!match(value)) return;
      unsubscribe();
      resolve(value);
    });
  });
}

describe('two instances, one store, one bus (services seen by the device endpoints)', () => {
  it('tells instance B about a desired patch and a C2D message issued on instance A', async () => {
    await a.createDevice('shared-1');
    expect(await b.ok('GET', '/devices/shared-1')).toMatchObject({ deviceId: 'shared-1' });

    const patched = next<{ id: ClientIdentity; version: number }>((l) => b.cloud.services.endpoint.onDesiredPatch((id, _patch, version) => l({ id, version })));
    await a.ok('PATCH', '/twins/shared-1', { properties: { desired: { rate: 5 } } });
    expect(await patched).toEqual({ id: { deviceId: 'shared-1' }, version: 2 });

    const enqueued = next<string>((l) => b.cloud.services.endpoint.onC2dEnqueued(l));
    await a.ok('POST', '/devices/shared-1/messages/deviceBound', 'hello');
    expect(await enqueued).toBe('shared-1');
    const pending = await b.cloud.services.endpoint.pendingC2d('shared-1');
    expect(pending.map((m) => Buffer.from(m.message.body).toString())).toEqual(['hello']);
  });

  it('answers 404 at once for a method on a device connected to no instance', async () => {
    await a.createDevice('nowhere-1');
    const res = await a.rest('POST', '/twins/nowhere-1/methods', { methodName: 'reboot', responseTimeoutInSeconds: 30 });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'CLD_DEVICE_NOT_CONNECTED', Message: expect.stringContaining('ErrorCode:DeviceNotOnline') as unknown });
  });

  it('applies two deployments sent to two instances at once each whole, one after the other (no mix, no lost write)', async () => {
    await createEdgeDevice(a, 'edge-race');
    const one = edgeDeployment({ modules: { first: processModule('node', ['first.js']) }, routes: { toCloud1: 'FROM /messages/modules/first/* INTO $upstream' }, moduleDesired: { first: { rate: 1 } } });
    const two = edgeDeployment({ modules: { second: processModule('node', ['second.js']) }, routes: { toCloud2: 'FROM /messages/modules/second/* INTO $upstream' }, moduleDesired: { second: { rate: 2 } } });
    const answers = await Promise.all([applyConfigurationContent(a, 'edge-race', one), applyConfigurationContent(b, 'edge-race', two)]);
    expect(answers.map((r) => r.status)).toEqual([204, 204]);

    type Twin = { properties: { desired: Record<string, unknown> & { $version: number } } };
    const agent = (await a.ok('GET', '/twins/edge-race/modules/%24edgeAgent')) as Twin;
    const hub = (await b.ok('GET', '/twins/edge-race/modules/%24edgeHub')) as Twin;
    const winner = 'first' in (agent.properties.desired['modules'] as object) ? one : two;
    const desiredOf = (id: string) => (winner.modulesContent[id] as { 'properties.desired': Record<string, unknown> })['properties.desired'];
    // The deployment applied last is the device's whole content: $edgeAgent and $edgeHub from the same one.
    expect(agent.properties.desired).toMatchObject(desiredOf('$edgeAgent'));
    expect(hub.properties.desired['routes']).toEqual(desiredOf('$edgeHub')['routes']);
    // Both were applied, once each: two desired versions after the twin's first.
    expect(agent.properties.desired.$version).toBe(3);
    expect(hub.properties.desired.$version).toBe(3);
  });

  it('tells instance A when a client connects to instance B (takeover)', async () => {
    await a.createDevice('moving-1');
    const elsewhere = next<ClientIdentity>((l) => a.cloud.services.endpoint.onConnectedElsewhere?.(l) ?? (() => undefined));
    await b.cloud.services.endpoint.setConnectionState({ deviceId: 'moving-1' }, true);
    expect(await elsewhere).toEqual({ deviceId: 'moving-1' });
    await eventually(async () => expect(await a.ok('GET', '/devices/moving-1')).toMatchObject({ connectionState: 'Connected' }), {
      description: 'the shared registry shows the connection',
    });
  });
});

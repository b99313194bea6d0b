import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceMethodRequest, DeviceMethodResponse, Twin } from 'azure-iot-device';
import { eventually } from '@verge/testkit';
import { EDGE_ID, HubFixture, text } from '../hub-support/hub-fixture.js';

function getTwin(client: { getTwin(cb: (err?: Error, twin?: Twin) => void): void }): Promise<Twin> {
  return new Promise((resolve, reject) => client.getTwin((err, twin) => (err || twin === undefined ? reject(err ?? new Error('no twin')) : resolve(twin))));
}

function updateReported(twin: Twin, patch: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    (twin.properties.reported as unknown as { update(p: unknown, cb: (err?: Error) => void): void }).update(patch, (err) => (err ? reject(err) : resolve()));
  });
}

describe('twins and direct methods through the edge hub', () => {
  let f: HubFixture;

  beforeAll(async () => {
    f = await HubFixture.create();
    await f.cloud.patchModuleDesired(EDGE_ID, 'modA', { color: 'red' });
    await f.startHub();
  });

  afterEach(async () => {
    await f?.closeClients(); // one SDK client per identity at a time: two would take the session from each other
  });

  afterAll(async () => {
    await f?.dispose();
  });

  it('serves a module twin GET from the cloud and a reported patch reaches the cloud', async () => {
    const a = await f.module('modA');
    const twin = await getTwin(a);
    expect(twin.properties.desired['color']).toBe('red');
    await updateReported(twin, { temperature: 21 });
    await eventually(async () => ((await f.cloud.moduleTwin(EDGE_ID, 'modA')).properties.reported['temperature'] === 21 ? true : undefined), { description: 'reported property in the cloud', timeoutMs: 10_000 });
  });

  it('routes a twin change notification for an accepted reported patch (FROM /twinChangeNotifications)', async () => {
    await f.cloud.patchModuleDesired(EDGE_ID, '$edgeHub', { routes: { twin: 'FROM /twinChangeNotifications INTO $upstream' } });
    await eventually(() => (f.hub?.status().routes === 5 ? true : undefined), { description: 'the twin route', timeoutMs: 10_000 });
    const a = await f.module('modA');
    const twin = await getTwin(a);
    await updateReported(twin, { battery: 'low' });
    const note = await eventually(async () => (await f.cloud.messages(`&deviceId=${EDGE_ID}&moduleId=modA`)).find((m) => text(m.body).includes('battery')), { description: 'the notification in the cloud', timeoutMs: 10_000 });
    expect(JSON.parse(text(note.body))).toEqual({ properties: { reported: { battery: 'low' } } });
    await f.cloud.patchModuleDesired(EDGE_ID, '$edgeHub', { routes: { twin: null } });
  });

  it('pushes desired patches from the cloud down to the subscribed module', async () => {
    const a = await f.module('modA');
    const twin = await getTwin(a);
    const seen: Record<string, unknown>[] = [];
    twin.on('properties.desired', (delta: Record<string, unknown>) => seen.push(delta));
    await f.subscribed(`${EDGE_ID}/modA`, '$iothub/twin/PATCH/properties/desired/');
    await f.cloud.patchModuleDesired(EDGE_ID, 'modA', { speed: 5 });
    const patch = await eventually(() => seen.find((d) => d['speed'] === 5), { description: 'desired patch at the module', timeoutMs: 10_000 });
    expect(typeof patch['$version']).toBe('number');
  });

  it('sends a synthetic desired patch for a change the module missed while the hub was down', async () => {
    const a = await f.module('modA');
    const twin = await getTwin(a);
    const seen: Record<string, unknown>[] = [];
    twin.on('properties.desired', (delta: Record<string, unknown>) => seen.push(delta));
    await f.subscribed(`${EDGE_ID}/modA`, '$iothub/twin/PATCH/properties/desired/');
    await f.stopHub();
    await f.cloud.patchModuleDesired(EDGE_ID, 'modA', { color: null, missed: 'yes' });
    await f.startHub();
    // The SDK reconnects (it listens to desired patches), never re-subscribes, and gets the difference as one patch;
    // it merges the patch into its copy and emits that copy (so the deleted 'color' is gone from it).
    const merged = await eventually(() => seen.find((d) => d['missed'] === 'yes'), { description: 'synthetic desired patch', timeoutMs: 20_000 });
    expect(merged['color']).toBeUndefined();
  });

  it('forwards a direct method from the cloud to the module and returns its answer', async () => {
    const b = await f.module('modB');
    b.onMethod('reboot', (req: DeviceMethodRequest, res: DeviceMethodResponse) => {
      res.send(200, { echoed: req.payload as unknown }, () => undefined);
    });
    await f.subscribed(`${EDGE_ID}/modB`, '$iothub/methods/POST/');
    const r = await eventually(async () => {
      const res = await f.cloud.rest('POST', `/twins/${EDGE_ID}/modules/modB/methods`, { methodName: 'reboot', payload: { delay: 3 }, responseTimeoutInSeconds: 10 });
      return res.status === 200 ? res : undefined;
    }, { description: 'a successful method call', timeoutMs: 10_000 });
    expect(r.body).toEqual({ status: 200, payload: { echoed: { delay: 3 } } });
  });

  it('answers 404 once a module disconnected from the hub (its upstream connection closes too)', async () => {
    await f.closeClients();
    const r = await eventually(async () => {
      const res = await f.cloud.rest('POST', `/twins/${EDGE_ID}/modules/modB/methods`, { methodName: 'reboot', payload: null, responseTimeoutInSeconds: 5 });
      return res.status === 404 ? res : undefined;
    }, { description: 'a 404 for the disconnected module', timeoutMs: 15_000 });
    expect(r.status).toBe(404);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { eventually, FakeClock } from '@verge/testkit';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import type { Lease } from '../../../../src/bus/lease.js';
import { createDeploymentEvaluator } from '../../../../src/services/deployments/evaluator.js';
import type { RolloutView } from '../../../../src/services/deployments/rollout-view.js';
import { createTestCloud, type TestCloud } from '../../../helpers/fixtures.js';

// The evaluator's scheduling over a real SQLite store: the lease gates passes, a newly held lease evaluates every
// device, twin events re-evaluate one device, and a rollout view that does not admit a device leaves it out.

let cloud: TestCloud | undefined;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  cloud?.close();
});

function setup(): TestCloud {
  cloud = createTestCloud();
  return cloud;
}

async function edgeDevice(c: TestCloud, deviceId: string, tags: Record<string, unknown> = {}): Promise<void> {
  await c.services.devices.putDevice(deviceId, { deviceId, capabilities: { iotEdge: true } }, undefined);
  await c.services.twins.patchTwin({ deviceId }, { tags }, undefined);
}

const aRollout = { waves: [{ percent: 50, successRate: 1, deadlineSeconds: 60 }] };

async function putDeployment(c: TestCloud, id: string, targetCondition: string, priority = 10, rollout?: Record<string, unknown>): Promise<void> {
  const content = edgeDeployment({ modules: { [id]: processModule('node', [`${id}.js`]) }, routes: {} });
  await c.services.deployments.put(id, { id, priority, targetCondition, content, ...(rollout === undefined ? {} : { rollout }) }, undefined);
}

async function modulesOf(c: TestCloud, deviceId: string): Promise<string[]> {
  const agent = await c.store.twins.get({ deviceId, moduleId: '$edgeAgent' });
  return Object.keys((agent?.properties.desired.modules ?? {}) as object).sort();
}

function switchableLease(): Lease & { held: boolean } {
  const lease = { name: 'deployments', held: false, hold: () => Promise.resolve(lease.held), release: () => Promise.resolve() };
  return lease;
}

describe('deployment evaluator', () => {
  it('evaluates nothing while another instance holds the lease, and every device once it takes the lease', async () => {
    const c = setup();
    const lease = switchableLease();
    const evaluator = createDeploymentEvaluator(c.ctx, { leaseCheckMs: 20 });
    stops.push(() => evaluator.stop());
    await edgeDevice(c, 'lease-a');
    await putDeployment(c, 'lease-dep', '*');
    evaluator.start(lease);
    await evaluator.idle();
    expect(await modulesOf(c, 'lease-a')).toEqual([]);
    lease.held = true;
    await eventually(async () => ((await modulesOf(c, 'lease-a')).length > 0 ? true : undefined), { description: 'lease-a evaluated after the lease is taken', timeoutMs: 5_000 });
    expect(await modulesOf(c, 'lease-a')).toEqual(['lease-dep']);
  });

  it('re-evaluates the one device whose tags changed', async () => {
    const c = setup();
    const evaluator = createDeploymentEvaluator(c.ctx);
    stops.push(() => evaluator.stop());
    await edgeDevice(c, 'tag-a', { ring: 0 });
    await putDeployment(c, 'ring-one', 'tags.ring = 1');
    evaluator.start();
    await evaluator.idle();
    expect(await modulesOf(c, 'tag-a')).toEqual([]);
    await c.services.twins.patchTwin({ deviceId: 'tag-a' }, { tags: { ring: 1 } }, undefined);
    await eventually(async () => ((await modulesOf(c, 'tag-a')).length > 0 ? true : undefined), { description: 'tag-a re-evaluated', timeoutMs: 5_000 });
    expect(await modulesOf(c, 'tag-a')).toEqual(['ring-one']);
  });

  it('leaves a deployment out for a device its rollout does not admit (the device falls back to the lower one)', async () => {
    const c = setup();
    const view: RolloutView = { admits: (configurationId, deviceId) => !(configurationId === 'roll-high' && deviceId === 'roll-b'), restore: () => Promise.resolve(undefined) };
    const evaluator = createDeploymentEvaluator(c.ctx, { rollouts: { load: () => Promise.resolve(view) } });
    await edgeDevice(c, 'roll-a');
    await edgeDevice(c, 'roll-b');
    await putDeployment(c, 'roll-low', '*', 10);
    await putDeployment(c, 'roll-high', '*', 20, aRollout);
    const report = await evaluator.evaluateAll();
    expect(report).toMatchObject({ devices: 2, written: 2, failed: [] });
    expect(await modulesOf(c, 'roll-a')).toEqual(['roll-high']);
    expect(await modulesOf(c, 'roll-b')).toEqual(['roll-low']);
    expect((await c.store.twins.get({ deviceId: 'roll-b', moduleId: '$edgeAgent' }))?.configurations).toEqual({ 'roll-low': { status: 'Applied' } });
    const { plan } = await evaluator.planDevice('roll-a');
    expect(plan.steps).toEqual([]);
    await expect(evaluator.planDevice('nobody')).rejects.toMatchObject({ code: 'CLD_DEVICE_NOT_FOUND' });
  });

  it("restores the rollout view's content for a device no deployment applies to", async () => {
    const c = setup();
    const restore = { $edgeAgent: { schemaVersion: '1.1', modules: { before: { type: 'process' } } } };
    const view: RolloutView = { admits: () => false, restore: (deviceId) => Promise.resolve(deviceId === 'rest-a' ? restore : undefined) };
    const evaluator = createDeploymentEvaluator(c.ctx, { rollouts: { load: () => Promise.resolve(view) } });
    await edgeDevice(c, 'rest-a');
    await putDeployment(c, 'rest-dep', '*', 10, aRollout);
    await evaluator.evaluateAll();
    expect(await modulesOf(c, 'rest-a')).toEqual(['before']);
  });

  it('checks the lease and resyncs on the injected timers, not the wall clock', async () => {
    const c = setup();
    const timers = new FakeClock();
    const lease = switchableLease();
    const evaluator = createDeploymentEvaluator(c.ctx, { timers, leaseCheckMs: 1_000, resyncMs: 60_000 });
    stops.push(() => evaluator.stop());
    await edgeDevice(c, 'timer-a');
    await putDeployment(c, 'timer-dep', '*');
    evaluator.start(lease);
    await evaluator.idle();
    lease.held = true;
    await timers.advance(999);
    await evaluator.idle();
    expect(await modulesOf(c, 'timer-a')).toEqual([]);
    await timers.advance(1);
    await evaluator.idle();
    expect(await modulesOf(c, 'timer-a')).toEqual(['timer-dep']);

    // A module twin changed behind the bus's back is put right by the periodic full pass, and only then.
    const agent = (await c.store.twins.get({ deviceId: 'timer-a', moduleId: '$edgeAgent' }))!;
    await c.store.twins.put({ ...agent, properties: { ...agent.properties, desired: { ...agent.properties.desired, modules: {} } } });
    await timers.advance(58_000);
    await evaluator.idle();
    expect(await modulesOf(c, 'timer-a')).toEqual([]);
    await timers.advance(2_000);
    await evaluator.idle();
    expect(await modulesOf(c, 'timer-a')).toEqual(['timer-dep']);
  });
});

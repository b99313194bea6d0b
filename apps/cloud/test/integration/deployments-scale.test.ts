import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import { FLEET_SCALE_DEVICES, storeEdgeFleet } from '../helpers/edge-fleet-records.js';
import { createTestCloud, type TestCloud } from '../helpers/fixtures.js';

// Deployment evaluation over a fleet on SQLite (2,000 edge devices in CI), a base deployment and a layer: one pass
// writes every device (deployments prepared once, every twin read once, writes grouped in transactions), a second
// pass writes nothing, and the metrics count every device. No timing here: speed at 10,000 devices is measured
// by bench/fleet-deploy.mjs (BENCHMARKS.md).

const DEVICES = FLEET_SCALE_DEVICES;
let cloud: TestCloud;

beforeAll(async () => {
  cloud = createTestCloud();
  await storeEdgeFleet(cloud.store, 'scale', DEVICES);
}, 120_000);
afterAll(() => cloud?.close());

describe('deployment evaluation at scale', () => {
  it(`writes ${DEVICES} edge devices in one pass, and a second pass writes nothing`, async () => {
    const stopMetrics = cloud.services.automaticDeployments.metrics.start();
    const content = edgeDeployment({ modules: { sensor: processModule('node', ['sensor.js']) }, routes: { up: 'FROM /messages/* INTO $upstream' }, moduleDesired: { sensor: { rate: 1 } } });
    await cloud.services.deployments.put('scale-base', { id: 'scale-base', priority: 10, targetCondition: '*', content }, undefined);
    await cloud.services.deployments.put(
      'scale-canary',
      { id: 'scale-canary', priority: 20, targetCondition: "tags.ring='canary'", content: { modulesContent: { $edgeAgent: { 'properties.desired.modules.extra': processModule('node', ['x.js']) } } } },
      undefined,
    );
    const evaluator = cloud.services.automaticDeployments.evaluator;
    const report = await evaluator.evaluateAll();
    expect(report).toMatchObject({ devices: DEVICES, written: DEVICES, failed: [] });
    const again = await evaluator.evaluateAll();
    expect(again).toMatchObject({ devices: DEVICES, written: 0, failed: [] });
    const canary = await cloud.store.twins.get({ deviceId: 'scale-00010', moduleId: '$edgeAgent' });
    expect(Object.keys((canary?.properties.desired.modules ?? {}) as object).sort()).toEqual(['extra', 'sensor']);
    expect(canary?.configurations).toEqual({ 'scale-base': { status: 'Applied' }, 'scale-canary': { status: 'Applied' } });
    const main = await cloud.store.twins.get({ deviceId: `scale-${String(DEVICES - 1).padStart(5, '0')}`, moduleId: '$edgeAgent' });
    expect(Object.keys((main?.properties.desired.modules ?? {}) as object)).toEqual(['sensor']);
    expect(main?.configurations).toEqual({ 'scale-base': { status: 'Applied' } });
    const base = await cloud.services.deployments.get('scale-base');
    expect(base.systemMetrics.results).toMatchObject({ targetedCount: DEVICES, appliedCount: DEVICES });
    const layer = await cloud.services.deployments.get('scale-canary');
    expect(layer.systemMetrics.results).toMatchObject({ targetedCount: DEVICES / 10, appliedCount: DEVICES / 10 });
    stopMetrics();
  }, 120_000);
});

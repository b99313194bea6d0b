// Two cloud instances sharing one PostgreSQL schema and one NATS bus: deployment evaluation runs under the
// `deployments` lease, so a deployment created on one instance and a device tagged on the other are evaluated once,
// and the result is the same whichever instance is asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { createEdgeDevice, type TestCloud } from '@verge/testkit/cloud';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import { startTwoCloudInstances, type TwoCloudInstances } from '../helpers/two-cloud-instances.js';

let clouds: TwoCloudInstances | undefined;
let a: TestCloud;
let b: TestCloud;

beforeAll(async () => {
  clouds = await startTwoCloudInstances();
  ({ a, b } = clouds);
});
afterAll(() => clouds?.stop());

describe('deployment evaluation with two instances', () => {
  it('evaluates once: one desired write per module twin, seen alike on both instances', async () => {
    const patches: string[] = [];
    const unsubscribe = a.cloud.services.endpoint.onDesiredPatch((id, _patch, version) => {
      if (id.deviceId === 'multi-edge') patches.push(`${id.moduleId ?? ''}@${version}`);
    });
    await createEdgeDevice(b, 'multi-edge');
    const content = edgeDeployment({ modules: { sim: processModule('node', ['sim.js']) }, routes: { up: 'FROM /messages/* INTO $upstream' }, moduleDesired: { sim: { rate: 1 } } });
    await a.ok('PUT', '/configurations/multi-dep', { id: 'multi-dep', priority: 10, targetCondition: "tags.site='multi'", content });
    await b.ok('PATCH', '/twins/multi-edge', { tags: { site: 'multi' } });
    const applied = await eventually(
      async () => {
        const c = (await b.ok('GET', '/configurations/multi-dep')) as { systemMetrics: { results: { appliedCount: number } } };
        return c.systemMetrics.results.appliedCount === 1 ? c : undefined;
      },
      { description: 'multi-dep applied on multi-edge', timeoutMs: 20_000 },
    );
    expect(applied).toBeDefined();
    await eventually(() => (patches.length >= 3 ? true : undefined), { description: 'three desired patches', timeoutMs: 10_000 });
    // Both instances are subscribed to every event; let another evaluation (if one wrongly ran) land.
    const twinA = (await a.ok('GET', '/twins/multi-edge/modules/$edgeAgent')) as { properties: { desired: { $version: number } }; configurations: unknown };
    const twinB = (await b.ok('GET', '/twins/multi-edge/modules/$edgeAgent')) as { properties: { desired: { $version: number } }; configurations: unknown };
    expect(twinA).toEqual(twinB);
    expect(twinA.configurations).toEqual({ 'multi-dep': { status: 'Applied' } });
    await a.cloud.services.automaticDeployments.evaluator.idle();
    await b.cloud.services.automaticDeployments.evaluator.idle();
    expect(patches.sort()).toEqual(['$edgeAgent@2', '$edgeHub@2', 'sim@2']);
    unsubscribe();
  });
});

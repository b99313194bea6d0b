// Fleet work survives the loss of the instance doing it: two cloud instances share one PostgreSQL schema and one NATS
// bus; A holds the `rollouts` and `deployments` leases and crashes (halted: leases not released) between two waves of
// a staged rollout. Once the lease TTL (3 s here, through the configuration) frees them, B continues the rollout
// from its stored state (the wave keeps its start, the next wave is admitted) and evaluates deployments on the
// changes made after A went.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import type { TestCloud } from '@verge/testkit/cloud';
import { startTwoCloudInstances, type TwoCloudInstances } from '../../helpers/two-cloud-instances.js';
import { agentModules, deploymentBody, edgeDevice, untilModules, untilRollout } from './rollout-helpers.js';

let clouds: TwoCloudInstances | undefined;
let a: TestCloud;
let b: TestCloud;

beforeAll(async () => {
  // Lease TTL 3 s, renewed every second.
  clouds = await startTwoCloudInstances({ retention: { pruneIntervalMs: 1_000 } });
  ({ a, b } = clouds);
});
afterAll(() => clouds?.stop());

/** What an agent reports once it applied the current desired version and its module runs. */
async function reportSuccess(cloud: TestCloud, deviceId: string): Promise<void> {
  const twin = await cloud.moduleTwin(deviceId, '$edgeAgent');
  await cloud.cloud.services.twins.patchReported(
    { deviceId, moduleId: '$edgeAgent' },
    { lastDesiredVersion: twin.properties.desired['$version'], lastDesiredStatus: { code: 200 }, modules: { app: { runtimeStatus: 'running', lastStartTimeUtc: new Date().toISOString() } } },
  );
}

describe('rollout and deployment evaluation taken over by the other instance', () => {
  it('B admits the next wave and re-targets a re-tagged device after A crashed between waves', async () => {
    const c = clouds as TwoCloudInstances;
    const [idA, idB] = [await c.instanceId(a), await c.instanceId(b)];
    const ring = ['tko-a', 'tko-b', 'tko-c'];
    for (const id of ring) await edgeDevice(a, id, { ring: 'tko' });
    await edgeDevice(a, 'tko-x', { plain: 'no' });
    await a.ok('PUT', '/configurations/tko-plain', deploymentBody('tko-plain', 5, "tags.plain='yes'", 'plainmod'));
    await a.ok(
      'PUT',
      '/configurations/tko-v2',
      deploymentBody('tko-v2', 10, "tags.ring='tko'", 'app', {
        rollout: { waves: [{ count: 1, successRate: 1, deadlineSeconds: 3600, bakeTimeSeconds: 5 }, { percent: 100, successRate: 1, deadlineSeconds: 3600 }], autoRollback: false },
      }),
    );
    const started = await untilRollout(b, 'tko-v2', 'wave 1 admitted', (r) => r.waves[0]?.admitted === 1);
    const moved = started.waves[0]?.deviceIds?.[0] as string;
    await untilModules(b, moved, ['app']);
    expect(await c.leaseHolder('rollouts')).toBe(idA);
    expect(await c.leaseHolder('deployments')).toBe(idA);

    await c.halt(a);
    // Changes while nobody works: the moved device succeeds (its wave gate passes once it baked 5 s), and another
    // device gets the tag of the plain deployment. Their events reach B, which does not hold the leases yet.
    await reportSuccess(b, moved);
    await b.ok('PATCH', '/twins/tko-x', { tags: { plain: 'yes' } });

    await eventually(async () => (await c.leaseHolder('rollouts')) === idB, { timeoutMs: 30_000, description: 'B to hold the rollouts lease' });
    const next = await untilRollout(b, 'tko-v2', 'wave 2 admitted on B', (r) => r.waves[1]?.admitted === 2, 30_000);
    expect(next.waves[0]).toMatchObject({ startedAt: started.waves[0]?.startedAt, deviceIds: [moved], succeeded: 1 });
    for (const id of ring) await untilModules(b, id, ['app']);

    await eventually(async () => (await c.leaseHolder('deployments')) === idB, { timeoutMs: 30_000, description: 'B to hold the deployments lease' });
    await untilModules(b, 'tko-x', ['plainmod'], 30_000);
    expect(await agentModules(b, 'tko-x')).toEqual(['plainmod']);
  }, 120_000);
});

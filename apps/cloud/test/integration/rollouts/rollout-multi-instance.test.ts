// A staged rollout on two cloud instances sharing one PostgreSQL schema and one NATS bus: the controller advances
// under the `rollouts` lease (one instance), commands work on either instance, both serve the same state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '@verge/testkit/cloud';
import { startTwoCloudInstances, type TwoCloudInstances } from '../../helpers/two-cloud-instances.js';
import { agentModules, deploymentBody, edgeDevice, rollout, untilModules, untilRollout } from './rollout-helpers.js';

let clouds: TwoCloudInstances | undefined;
let a: TestCloud;
let b: TestCloud;

beforeAll(async () => {
  clouds = await startTwoCloudInstances();
  ({ a, b } = clouds);
});
afterAll(() => clouds?.stop());

describe('rollout on two instances (PostgreSQL + NATS)', () => {
  it('admits one wave, takes commands on either instance and halts at the deadline', async () => {
    for (const id of ['mi-a', 'mi-b', 'mi-c']) await edgeDevice(a, id, { ring: 'mi' });
    await b.ok(
      'PUT',
      '/configurations/mi-v2',
      deploymentBody('mi-v2', 10, "tags.ring='mi'", 'app', {
        rollout: { waves: [{ count: 1, successRate: 1, deadlineSeconds: 4 }, { percent: 100, successRate: 1, deadlineSeconds: 60 }], autoRollback: false },
      }),
    );
    const started = await untilRollout(a, 'mi-v2', 'wave 1 admitted', (r) => r.waves[0]?.admitted === 1);
    const moved = started.waves[0]?.deviceIds?.[0] as string;
    await untilModules(b, moved, ['app']);

    expect(await b.ok('POST', '/configurations/mi-v2/rollout/pause')).toMatchObject({ status: 'paused' });
    expect((await rollout(a, 'mi-v2')).status).toBe('paused');
    expect(await a.ok('POST', '/configurations/mi-v2/rollout/resume')).toMatchObject({ status: 'running' });

    const halted = await untilRollout(b, 'mi-v2', 'halted at the deadline', (r) => r.status === 'halted', 30_000);
    expect(halted.haltReason).toBe('wave 1: deadline of 4s passed with 0 of 1 devices succeeded (0%), needed 100%');
    // Halted without rollback: the moved device keeps the deployment, the others never got it.
    expect(await agentModules(a, moved)).toEqual(['app']);
    for (const id of ['mi-a', 'mi-b', 'mi-c'].filter((d) => d !== moved)) expect(await agentModules(a, id)).toEqual([]);
  });
});

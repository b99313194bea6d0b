import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { deploymentBody, edgeDevice, rollout, untilRollout } from './rollout-helpers.js';

// A rollout's state and timers survive a cloud restart: the same data directory, a fake clock shared across the
// restart. The wave's deadline counts from the stored start time, not from the restart.

const clock = new FakeClock(Date.now());
let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud(undefined, {}, { clock });
});
afterAll(async () => {
  await cloud?.stop();
});

describe('rollout across a cloud restart', () => {
  it('keeps the admitted wave and halts at the deadline counted from before the restart', async () => {
    for (const id of ['rs-a', 'rs-b', 'rs-c']) await edgeDevice(cloud, id, { ring: 'restart' });
    await cloud.ok(
      'PUT',
      '/configurations/rs-v2',
      deploymentBody('rs-v2', 10, "tags.ring='restart'", 'app', {
        rollout: { waves: [{ count: 1, successRate: 1, deadlineSeconds: 60 }, { percent: 100, successRate: 1, deadlineSeconds: 60 }], autoRollback: false },
      }),
    );
    const before = await untilRollout(cloud, 'rs-v2', 'wave 1 admitted', (r) => r.waves[0]?.admitted === 1);
    const startedAt = before.waves[0]?.startedAt;
    await clock.advance(30_000);
    expect((await rollout(cloud, 'rs-v2')).status).toBe('running');

    await cloud.restart();
    const after = await untilRollout(cloud, 'rs-v2', 'served after the restart', (r) => r.status === 'running');
    expect(after.waves[0]).toMatchObject({ admitted: 1, startedAt, deviceIds: before.waves[0]?.deviceIds });
    expect(after.waves[0]?.deadline).toBe(new Date(Date.parse(startedAt as string) + 60_000).toISOString());

    await clock.advance(29_000); // 59 s since the wave started
    expect((await rollout(cloud, 'rs-v2')).status).toBe('running');
    await clock.advance(1_500); // past the deadline: the re-armed timer fires
    const halted = await untilRollout(cloud, 'rs-v2', 'halted at the deadline', (r) => r.status === 'halted');
    expect(halted.haltReason).toBe('wave 1: deadline of 60s passed with 0 of 1 devices succeeded (0%), needed 100%');
    expect(halted.waves[1]).toMatchObject({ result: 'waiting', admitted: 0 });
  });
});

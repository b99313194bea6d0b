import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { agentModules, deploymentBody, edgeDevice, rollout, untilModules, untilRollout } from './rollout-helpers.js';

// Staged rollouts against a real cloud (SQLite): operator commands over REST, bad input, gates that cannot be
// evaluated. The devices run no agent, so every admitted device stays pending (gates never pass on their own).

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

const waves = (autoRollback = true) => ({
  waves: [
    { count: 1, successRate: 1, deadlineSeconds: 3600 },
    { percent: 100, successRate: 1, deadlineSeconds: 3600 },
  ],
  autoRollback,
});

describe('staged rollout controls', () => {
  it('admits the first wave only; pause, resume and abort; abort keeps moved devices; abort?rollback returns them', async () => {
    const ids = ['ctl-a', 'ctl-b', 'ctl-c', 'ctl-d'];
    for (const id of ids) await edgeDevice(cloud, id, { ring: 'ctl' });
    await cloud.ok('PUT', '/configurations/ctl-v2', deploymentBody('ctl-v2', 10, "tags.ring='ctl'", 'app', { rollout: waves() }));

    const started = await untilRollout(cloud, 'ctl-v2', 'wave 1 admitted', (r) => r.status === 'running' && r.waves[0]?.admitted === 1);
    expect(started).toMatchObject({ currentWave: 0, waves: [{ result: 'running', admitted: 1, pending: 1, succeeded: 0, failed: 0 }, { result: 'waiting', admitted: 0 }] });
    const moved = started.waves[0]?.deviceIds?.[0] as string;
    expect(ids).toContain(moved);
    await untilModules(cloud, moved, ['app']);
    for (const id of ids.filter((d) => d !== moved)) expect(await agentModules(cloud, id)).toEqual([]);

    expect(await cloud.ok('POST', '/configurations/ctl-v2/rollout/pause')).toMatchObject({ status: 'paused' });
    const again = await cloud.rest('POST', '/configurations/ctl-v2/rollout/pause');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ROLLOUT_TRANSITION_INVALID', message: "cannot pause the rollout of 'ctl-v2': it is paused" });
    expect(await cloud.ok('POST', '/configurations/ctl-v2/rollout/resume')).toMatchObject({ status: 'running' });

    expect(await cloud.ok('POST', '/configurations/ctl-v2/rollout/abort')).toMatchObject({ status: 'aborted', haltReason: 'aborted', rolledBack: false });
    expect((await cloud.rest('POST', '/configurations/ctl-v2/rollout/resume')).status).toBe(409);
    expect((await cloud.rest('POST', '/configurations/ctl-v2/rollout/abort')).status).toBe(409);
    // Aborted: the moved device keeps the deployment, nobody else gets it.
    expect(await agentModules(cloud, moved)).toEqual(['app']);
    expect((await rollout(cloud, 'ctl-v2')).waves[1]).toMatchObject({ result: 'waiting', admitted: 0 });

    expect(await cloud.ok('POST', '/configurations/ctl-v2/rollout/abort?rollback=true')).toMatchObject({ status: 'rolledBack', rolledBack: true });
    // Nothing else targets it: the device returns to its snapshot (no modules before the rollout).
    await untilModules(cloud, moved, []);
    const twin = await cloud.moduleTwin(moved, '$edgeAgent');
    expect((twin as { configurations?: Record<string, unknown> }).configurations?.['ctl-v2']).toBeUndefined();
    await cloud.ok('DELETE', '/configurations/ctl-v2');
  });

  it('rolls back onto the lower deployment that still targets the device', async () => {
    for (const id of ['low-a', 'low-b']) await edgeDevice(cloud, id, { ring: 'low' });
    await cloud.ok('PUT', '/configurations/low-base', deploymentBody('low-base', 1, "tags.ring='low'", 'old'));
    await untilModules(cloud, 'low-a', ['old']);
    await cloud.ok('PUT', '/configurations/low-v2', deploymentBody('low-v2', 10, "tags.ring='low'", 'new', { rollout: waves() }));
    const r = await untilRollout(cloud, 'low-v2', 'wave 1 admitted', (x) => x.waves[0]?.admitted === 1);
    const moved = r.waves[0]?.deviceIds?.[0] as string;
    const other = moved === 'low-a' ? 'low-b' : 'low-a';
    await untilModules(cloud, moved, ['new']);
    expect(await agentModules(cloud, other)).toEqual(['old']);
    await cloud.ok('POST', '/configurations/low-v2/rollout/abort?rollback=true');
    await untilModules(cloud, moved, ['old']);
    for (const id of ['low-v2', 'low-base']) await cloud.ok('DELETE', `/configurations/${id}`);
  });

  it('refuses a rollout given to a deployment that already applies without one; its devices keep it', async () => {
    for (const id of ['late-a', 'late-b', 'late-c']) await edgeDevice(cloud, id, { ring: 'late' });
    await cloud.ok('PUT', '/configurations/late-base', deploymentBody('late-base', 1, "tags.ring='late'", 'old'));
    await cloud.ok('PUT', '/configurations/late-v2', deploymentBody('late-v2', 10, "tags.ring='late'", 'new'));
    for (const id of ['late-a', 'late-b', 'late-c']) await untilModules(cloud, id, ['new']);
    // Started now, the rollout would admit its first wave only and send the other devices back to 'old'.
    const added = await cloud.rest('PUT', '/configurations/late-v2', deploymentBody('late-v2', 10, "tags.ring='late'", 'new', { rollout: waves() }), { 'if-match': '*' });
    expect(added.status).toBe(400);
    expect(added.body).toMatchObject({ code: 'CLD_CONFIGURATION_IMMUTABLE', details: { path: 'rollout' } });
    expect((added.body as { message: string }).message).toContain("deployment 'late-v2' was created without a staged rollout");
    expect((await cloud.rest('GET', '/configurations/late-v2/rollout')).status).toBe(404);
    for (const id of ['late-a', 'late-b', 'late-c']) expect(await agentModules(cloud, id)).toEqual(['new']);
    for (const id of ['late-v2', 'late-base']) await cloud.ok('DELETE', `/configurations/${id}`);
  });

  it('refuses a bad policy naming the path, and answers 404 where there is no rollout', async () => {
    const bad = await cloud.rest('PUT', '/configurations/bad-policy', deploymentBody('bad-policy', 1, "tags.ring='none'", 'app', { rollout: { waves: [{ count: 1, successRate: 2, deadlineSeconds: 5 }] } }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'ROLLOUT_POLICY_INVALID' });
    expect((bad.body as { message: string }).message).toContain('rollout.waves[0].successRate: must be from 0 to 1');
    const noWave = await cloud.rest('PUT', '/configurations/bad-policy', deploymentBody('bad-policy', 1, "tags.ring='none'", 'app', { rollout: { waves: [{ successRate: 1, deadlineSeconds: 5 }] } }));
    expect((noWave.body as { message: string }).message).toContain('rollout.waves[0]: needs exactly one of percent or count');

    await cloud.ok('PUT', '/configurations/no-policy', deploymentBody('no-policy', 1, "tags.ring='none'", 'app'));
    const none = await cloud.rest('GET', '/configurations/no-policy/rollout');
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ code: 'ROLLOUT_NOT_FOUND', message: "deployment 'no-policy' has no staged rollout: it has no rollout policy" });
    expect((await cloud.rest('POST', '/configurations/no-policy/rollout/pause')).status).toBe(404);
    const missing = await cloud.rest('GET', '/configurations/nowhere/rollout');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'CLD_CONFIGURATION_NOT_FOUND' });
    const flag = await cloud.rest('POST', '/configurations/no-policy/rollout/abort?rollback=maybe');
    expect(flag.status).toBe(400);
    await cloud.ok('DELETE', '/configurations/no-policy');
  });

  it('halts, without rolling back, when a gate cannot be evaluated (no device, a metric that yields no device ids)', async () => {
    await cloud.ok('PUT', '/configurations/empty-v1', deploymentBody('empty-v1', 1, "tags.ring='nobody'", 'app', { rollout: waves() }));
    const empty = await untilRollout(cloud, 'empty-v1', 'halted', (r) => r.status === 'halted');
    expect(empty.haltReason).toBe('wave 1 cannot be evaluated: the deployment targets no device it has not reached yet');

    await edgeDevice(cloud, 'metric-a', { ring: 'metric' });
    await cloud.ok(
      'PUT',
      '/configurations/metric-v1',
      deploymentBody('metric-v1', 1, "tags.ring='metric'", 'app', {
        metrics: { queries: { errors: 'SELECT COUNT() AS n FROM devices' } },
        rollout: { waves: [{ count: 1, successRate: 1, deadlineSeconds: 3600, metric: { name: 'errors', max: 0 } }], autoRollback: true },
      }),
    );
    const halted = await untilRollout(cloud, 'metric-v1', 'halted', (r) => r.status === 'halted');
    expect(halted.haltReason).toMatch(/^wave 1 cannot be evaluated: metric 'errors': query 'SELECT COUNT\(\) AS n FROM devices' does not return deviceId$/);
    expect(halted.rolledBack).toBe(false);
    // Halted is not final: resume re-runs the gate (which halts again for the same reason).
    expect(await cloud.ok('POST', '/configurations/metric-v1/rollout/resume')).toMatchObject({ status: 'running' });
    await untilRollout(cloud, 'metric-v1', 'halted again', (r) => r.status === 'halted');
    for (const id of ['empty-v1', 'metric-v1']) await cloud.ok('DELETE', `/configurations/${id}`);
  });
});

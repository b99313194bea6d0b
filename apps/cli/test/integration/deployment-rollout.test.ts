// A staged rollout over a simulated fleet (`@verge/simulator`: real TLS MQTT devices reporting as `$edgeAgent`) and
// a real test cloud: wave 2 meets an injected failure rate above its threshold, the rollout halts and rolls back,
// wave-1 and wave-2 devices return to their previous modules, and the REST metrics and the CLI (`main([...])`
// in-process) show what happened. Also the CLI's pause / resume / abort.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { assignWaves, parseRolloutPolicy } from '@verge/core';
import { failingRule, startFleetSimulator, type FleetSimulator } from '@verge/simulator';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeAgentDesired, edgeHubDesired } from '@verge/testkit/manifest';
import type { RolloutDto } from '@verge/contracts';
import { capturedVerge } from '../helpers/verge-cli-capture.js';

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

const { verge } = capturedVerge(() => ['--connection-string', cloud.cloud.serviceConnectionString, '--api', cloud.cloud.urls.http]);

function deployment(id: string, priority: number, ring: string, image: string, rollout?: unknown): Record<string, unknown> {
  const app = { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image, createOptions: '{}' } };
  return {
    id,
    priority,
    targetCondition: `tags.ring='${ring}'`,
    content: {
      modulesContent: {
        $edgeAgent: { 'properties.desired': edgeAgentDesired({ app }) },
        $edgeHub: { 'properties.desired': edgeHubDesired({ up: 'FROM /messages/* INTO $upstream' }) },
      },
    },
    ...(rollout === undefined ? {} : { rollout }),
  };
}

async function desiredImage(deviceId: string): Promise<string | undefined> {
  const twin = await cloud.moduleTwin(deviceId, '$edgeAgent');
  const modules = twin.properties.desired['modules'] as Record<string, { settings: { image: string } }> | undefined;
  return modules?.['app']?.settings.image;
}

async function untilRollout(id: string, description: string, check: (r: RolloutDto) => boolean): Promise<RolloutDto> {
  let last: RolloutDto | undefined;
  await eventually(
    async () => {
      const res = await cloud.rest('GET', `/configurations/${id}/rollout?detail=true`);
      last = res.status === 200 ? (res.body as RolloutDto) : undefined;
      return last !== undefined && check(last);
    },
    { timeoutMs: 30_000, description: `rollout of ${id}: ${description}` },
  );
  return last as RolloutDto;
}

async function fleetOf(prefix: string, ring: string, devices: number, extra: { seed?: string; failRules?: { selector: 'image'; pattern: string; rate: number }[] } = {}): Promise<FleetSimulator> {
  const fleet = await startFleetSimulator({ api: cloud.api, mqtt: { host: '127.0.0.1', port: cloud.mqttPort, ca: cloud.caPem }, devices, prefix, tags: { ring }, ...extra });
  onTestFinished(() => fleet.stop());
  return fleet;
}

const BAD_IMAGE = 'repo/app:2.0';
const policy = {
  waves: [
    { count: 2, successRate: 1, deadlineSeconds: 120 },
    { count: 4, successRate: 0.75, failureRate: 0.25, deadlineSeconds: 120 },
    { percent: 100, successRate: 0.9, deadlineSeconds: 120 },
  ],
  autoRollback: true,
};

describe('staged rollout over a simulated fleet', () => {
  it('halts when wave 2 fails above its threshold and returns waves 1 and 2 to their previous modules', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `rb-${i}`);
    const failRules = [{ selector: 'image' as const, pattern: BAD_IMAGE, rate: 0.5 }];
    // The waves are deterministic (rollout order by hash), and so is the simulator's failure draw (seeded): pick a
    // seed for which wave 1 has no failing device and wave 2 at least two of its four.
    const [w1, w2, w3] = assignWaves(parseRolloutPolicy(policy), 'rb-v2', ids) as [string[], string[], string[]];
    const failing = (seed: string) => new Set(ids.filter((deviceId) => failingRule({ seed, deviceId, failRules }, 'app', BAD_IMAGE) !== undefined));
    const seed = Array.from({ length: 200 }, (_, i) => `seed-${i}`).find((s) => {
      const f = failing(s);
      return w1.every((d) => !f.has(d)) && w2.filter((d) => f.has(d)).length >= 2;
    }) as string;
    expect(seed).toBeDefined();
    const failingInWave2 = w2.filter((d) => failing(seed).has(d)).length;

    const fleet = await fleetOf('rb-', 'rb', 10, { seed, failRules });
    await cloud.ok('PUT', '/configurations/rb-v1', deployment('rb-v1', 1, 'rb', 'repo/app:1.0'));
    await eventually(() => fleet.stats().success === 10, { timeoutMs: 30_000, description: 'ten devices running v1' });

    await cloud.ok('PUT', '/configurations/rb-v2', deployment('rb-v2', 10, 'rb', BAD_IMAGE, policy));
    const halted = await untilRollout('rb-v2', 'rolled back', (r) => r.status === 'rolledBack');
    expect(halted.haltReason).toBe(`wave 2: ${failingInWave2} of 4 devices failed (${failingInWave2 * 25}%), above the failure rate 25%`);
    expect(halted.waves.map((w) => [w.result, w.admitted])).toEqual([
      ['passed', 2],
      ['failed', 4],
      ['waiting', 0],
    ]);
    expect(halted.waves[0]).toMatchObject({ succeeded: 2, failed: 0 });
    expect(halted.waves[1]?.failed).toBe(failingInWave2);
    expect(new Set(halted.waves[0]?.deviceIds)).toEqual(new Set(w1));
    expect(new Set(halted.waves[1]?.deviceIds)).toEqual(new Set(w2));

    // Every device the rollout moved is back on v1 (the lower deployment), and runs it again; wave 3 never moved.
    await eventually(async () => (await Promise.all(ids.map(desiredImage))).every((image) => image === 'repo/app:1.0'), { timeoutMs: 30_000, description: 'every device back on repo/app:1.0' });
    await eventually(() => fleet.stats().success === 10, { timeoutMs: 30_000, description: 'ten devices reporting success on v1 again' });
    for (const d of w3) expect(fleet.devices.find((x) => x.deviceId === d)?.desiredVersion).toBeDefined();

    // Metrics: nothing applies rb-v2 any more; rb-v1 applies to all ten again.
    await eventually(
      async () => {
        const v2 = (await cloud.ok('GET', '/configurations/rb-v2')) as { systemMetrics: { results: Record<string, number> } };
        const v1 = (await cloud.ok('GET', '/configurations/rb-v1')) as { systemMetrics: { results: Record<string, number> } };
        return v2.systemMetrics.results['targetedCount'] === 10 && v2.systemMetrics.results['appliedCount'] === 0 && v1.systemMetrics.results['appliedCount'] === 10 && v1.systemMetrics.results['reportedSuccessfulCount'] === 10;
      },
      { timeoutMs: 30_000, description: 'metrics: rb-v2 applied nowhere, rb-v1 applied and successful on ten' },
    );

    // The CLI shows it; a rolled-back rollout is final.
    const status = await verge('deployment', 'status', 'rb-v2');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('rollout rolledBack: wave 2 of 3');
    expect(status.stdout).toContain(`rolled back: ${halted.haltReason}`);
    expect(status.stdout).toMatch(/^2\s+failed\s+4\s+\d+\s+\d+\s+\d+/m);
    // A watch ends at a rolled-back rollout (it had waited forever); Ctrl-C after 15 s only bounds a regression.
    const interrupt = setTimeout(() => process.emit('SIGINT'), 15_000);
    const watched = await verge('deployment', 'status', 'rb-v2', '--watch', '--interval', '1').finally(() => clearTimeout(interrupt));
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain('rollout rolledBack: rb-v2 will not reach the targeted devices it has not reached');
    const resume = await verge('deployment', 'resume', 'rb-v2');
    expect(resume.code).not.toBe(0);
    expect(resume.stderr).toContain("cannot resume the rollout of 'rb-v2': it is rolledBack");
  });

  it('pauses, resumes and aborts with rollback from the CLI', async () => {
    const fleet = await fleetOf('pc-', 'pc', 3);
    await cloud.ok('PUT', '/configurations/pc-v1', deployment('pc-v1', 1, 'pc', 'repo/app:1.0'));
    await eventually(() => fleet.stats().success === 3, { timeoutMs: 30_000, description: 'three devices running v1' });
    const slow = { waves: [{ count: 1, successRate: 1, deadlineSeconds: 3600, bakeTimeSeconds: 3600 }, { percent: 100, successRate: 1, deadlineSeconds: 3600 }] };
    await cloud.ok('PUT', '/configurations/pc-v2', deployment('pc-v2', 10, 'pc', 'repo/app:2.0', slow));
    const running = await untilRollout('pc-v2', 'wave 1 succeeded (baking)', (r) => r.waves[0]?.succeeded === 1);
    const moved = running.waves[0]?.deviceIds?.[0] as string;
    expect(await desiredImage(moved)).toBe('repo/app:2.0');

    const paused = await verge('deployment', 'pause', 'pc-v2');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('rollout paused: wave 1 of 2');
    const json = JSON.parse((await verge('deployment', 'resume', 'pc-v2', '--json')).stdout) as RolloutDto;
    expect(json.status).toBe('running');
    const aborted = await verge('deployment', 'abort', 'pc-v2', '--rollback');
    expect(aborted.code).toBe(0);
    expect(aborted.stdout).toContain('rollout rolledBack');
    await eventually(async () => (await desiredImage(moved)) === 'repo/app:1.0', { timeoutMs: 30_000, description: `${moved} back on v1` });
    const bad = await verge('deployment', 'pause', 'nowhere');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("deployment 'nowhere' does not exist");
  });
  it('rolls a fix out to failing devices past a metric gate on failures: what they reported before does not count', async () => {
    const fleet = await fleetOf('mf-', 'mf', 3, { failRules: [{ selector: 'image', pattern: 'repo/app:1.0', rate: 1 }] });
    await cloud.ok('PUT', '/configurations/mf-v1', deployment('mf-v1', 1, 'mf', 'repo/app:1.0'));
    await eventually(() => fleet.stats().failed === 3, { timeoutMs: 30_000, description: 'three devices failing on v1' });
    const gate = { successRate: 1, deadlineSeconds: 120, metric: { name: 'failing', max: 0 } };
    const fix = {
      ...deployment('mf-v2', 10, 'mf', 'repo/app:1.1', { waves: [{ count: 1, ...gate }, { percent: 100, ...gate }] }),
      metrics: { queries: { failing: "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND properties.reported.lastDesiredStatus.code <> 200" } },
    };
    await cloud.ok('PUT', '/configurations/mf-v2', fix);
    const done = await untilRollout('mf-v2', 'completed or stopped', (r) => r.status !== 'running');
    expect({ status: done.status, haltReason: done.haltReason }).toEqual({ status: 'completed', haltReason: undefined });
    await eventually(() => fleet.stats().success === 3, { timeoutMs: 30_000, description: 'three devices running the fix' });
  });
});

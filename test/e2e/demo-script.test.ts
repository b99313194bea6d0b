import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, tempDir } from '@verge/testkit';
import { REPO_ROOT } from '@verge/testkit/edge';
// @ts-expect-error plain ESM scripts without types
import { historicalReadings, trainModel } from '../../scripts/demo/train-model.mjs';
// @ts-expect-error plain ESM scripts without types
import { modelProblem, score } from '../../samples/ml-anomaly/detector.mjs';

// `npm run demo` headless (`--seconds`), run from another working directory as a user would after `npm install`:
// a real cloud and three real edge runtimes with process modules (samples/ml-*), one fleet deployment by tag, the
// model trained and shipped through the module twin, model v2 as a staged rollout. Checks the facts the demo prints
// and that every process it started (the module processes) is gone once it exits.

const DEMO = join(REPO_ROOT, 'scripts/demo.mjs');
const BUILT = ['apps/cloud/dist/index.js', 'apps/edge/dist/index.js', 'packages/api-client/dist/index.js', 'packages/testkit/dist/manifest/index.js'].every((f) =>
  existsSync(join(REPO_ROOT, f)),
);

/** Pids of the live descendants of `pid` (from /proc). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number): void => {
    for (const [child, parent] of parents) {
      if (parent === p) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

// The four runs are independent demos (each its own data directory, free ports, its own child process and module
// processes) and run at once: the --seconds run spends most of its time in the demo's own timed phases (the pause
// before model v2, the rollout's bake times, the offline window), which the Ctrl-C run and the flag checks overlap
// instead of adding to CI's time. Both fleets start at the same time: each gets the same 75 s to bring its 9 module
// processes up. Each test uses its own `expect` (concurrent tests).
describe.runIf(BUILT).concurrent('demo script (npm run demo -- --seconds N)', () => {
  const tmp = tempDir('verge-demo-');
  // The modules run as their own uids when the demo runs as root: they must reach their homes under the data dir.
  chmodSync(tmp.dir, 0o755);
  afterAll(() => tmp.cleanup());

  it('runs the fleet, ships model v1, rolls out model v2 in waves, and stops every process it started', async ({ expect }) => {
    const child = spawn(process.execPath, [DEMO, '--seconds', '4', '--data', join(tmp.dir, 'data'), '--modules', 'process'], { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));

    // While it runs: its module processes (9 = 3 modules × 3 devices), for the no-process-left check.
    const modules = await eventually(
      () => {
        const pids = descendants(child.pid ?? -1).filter((p) => cmdline(p)?.includes(join(REPO_ROOT, 'samples', 'ml-')));
        return pids.length >= 9 && output.includes('Dashboard') ? pids : undefined;
      },
      { description: 'the demo to run its 9 module processes and print the dashboard URL', timeoutMs: 75_000, intervalMs: 250 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\ndemo output:\n${output}`);
    });
    const code = await exited;
    expect(code, output).toBe(0);

    expect(output).toMatch(/3 of 3 edge devices report success for demo-ml-v1; every anomaly module runs model v1/);
    for (const device of ['demo-oslo-press', 'demo-oslo-lathe', 'demo-bergen-press']) {
      expect(output).toMatch(new RegExp(`edge device +${device} +tags demo=ml,site=\\w+,line=\\w+`));
      expect(output).toMatch(new RegExp(`${device} +anomaly: model v2 \\(temperature, vibration\\), loaded from the twin`));
    }
    expect(output).toMatch(/rollout running +wave 1: running \[demo-[a-z-]+\]/);
    expect(output).toMatch(/rollout completed wave 1: passed \[demo-[a-z-]+\] 1\/1 ok {2}\| {2}wave 2: passed \[demo-[a-z-]+\] 1\/1 ok {2}\| {2}wave 3: passed/);
    expect(output).toMatch(/Rollout of model v2 completed in 3 waves/);
    // Offline: one device cut from the cloud, its anomaly module restarted there, scoring with the model from its disk.
    expect(output).toMatch(/demo-bergen-press +offline \(its MQTT link to the cloud cut\); its anomaly module restarted there/);
    expect(output).toMatch(/demo-bergen-press +back online: its anomaly module had loaded model v2 from the cache while offline/);
    expect(output).toMatch(/Dashboard +http:\/\/127\.0\.0\.1:\d+\//);
    expect(output).toMatch(/HostName=localhost;SharedAccessKeyName=\w+;SharedAccessKey=/);

    // Anomalies reached the cloud, tagged with the model version that found them: v1's, and v2's after the rollout.
    expect(output).toMatch(/anomaly +demo-[a-z-]+ +model v1 +temperature/);
    const counts = JSON.parse(/by model version: (\{[^}]*\})/.exec(output)?.[1] ?? '{}') as Record<string, number>;
    expect(counts['1'], output).toBeGreaterThan(0);
    expect(counts['2'], output).toBeGreaterThan(0);

    expect(output).toMatch(/Stopped cleanly in \d+\.\d s \(\d+\.\d s after start\)\./);
    for (const pid of modules) expect(cmdline(pid), `module process ${pid}`).toBeUndefined();
    expect(existsSync(`/proc/${child.pid}`)).toBe(false);
  });

  it('runs until Ctrl-C by default (npm run demo), and Ctrl-C stops everything it started', async ({ expect }) => {
    const child = spawn(process.execPath, [DEMO, '--data', join(tmp.dir, 'interactive'), '--modules', 'process'], { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const modules = await eventually(
      () => {
        const pids = descendants(child.pid ?? -1).filter((p) => cmdline(p)?.includes(join(REPO_ROOT, 'samples', 'ml-')));
        return pids.length >= 9 ? pids : undefined;
      },
      { description: 'the demo to run its 9 module processes', timeoutMs: 75_000, intervalMs: 250 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\ndemo output:\n${output}`);
    });
    child.kill('SIGINT');
    const code = await exited;
    expect(output).toMatch(/SIGINT: stopping/);
    expect(output).toMatch(/Stopped cleanly in \d+\.\d s \(\d+\.\d s after start\)\./);
    expect(code, output).toBe(0);
    for (const pid of modules) expect(cmdline(pid), `module process ${pid}`).toBeUndefined();
  });

  it('refuses a bad flag with one line and exit code 2', async ({ expect }) => {
    const child = spawn(process.execPath, [DEMO, '--seconds', 'soon'], { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect({ code, stderr }).toEqual({ code: 2, stderr: 'error: --seconds "soon" is not a number of seconds from 0 to 86400\n' });
  });

  it('refuses an unknown flag, naming it', async ({ expect }) => {
    const child = spawn(process.execPath, [DEMO, '--secs', '5'], { cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: Unknown option '--secs'/);
  });
});

type Params = { kind: string; features: string[]; mean: number[]; std: number[]; threshold: number };
type Model = { version: number; params: Params; samples: number };
const train = trainModel as (version: number, now?: Date) => Model;
const problem = modelProblem as (model: unknown) => string | undefined;
const scoreOf = score as (params: Params, reading: Record<string, number>) => { score: number; feature: string; anomaly: boolean };

describe('demo model: training (scripts/demo/train-model.mjs) and the detector of samples/ml-anomaly', () => {
  it('trains the same model from the same seed, v2 learning one more feature from more data', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(train(1, now)).toEqual(train(1, now));
    const v1 = train(1, now);
    const v2 = train(2, now);
    expect(v1.params.features).toEqual(['temperature']);
    expect(v2.params.features).toEqual(['temperature', 'vibration']);
    expect(v2.samples).toBeGreaterThan(v1.samples);
    expect(v2.params.mean[0]).toBeCloseTo(60, 0);
    expect(v2.params.std[1]).toBeCloseTo(0.08, 1);
    expect(problem(v1)).toBeUndefined();
    expect(() => train(3)).toThrow('no training recipe for model version 3');
  });

  it('flags overheats with v1 and vibration bursts only with v2, and none of the healthy training readings', () => {
    const v1 = train(1).params;
    const v2 = train(2).params;
    expect(scoreOf(v1, { temperature: 69, vibration: 0.8 })).toMatchObject({ anomaly: true, feature: 'temperature' });
    expect(scoreOf(v1, { temperature: 60, vibration: 2 }).anomaly).toBe(false);
    expect(scoreOf(v2, { temperature: 60, vibration: 2 })).toMatchObject({ anomaly: true, feature: 'vibration' });
    const healthy = (historicalReadings as (n: number, seed: number) => Record<string, number>[])(1000, 99);
    expect(healthy.filter((r) => scoreOf(v2, r).anomaly).length).toBeLessThanOrEqual(3);
  });

  it('refuses a malformed model, naming the problem', () => {
    const good = train(2);
    const cases: [unknown, string][] = [
      [null, 'model is not an object'],
      [{ ...good, version: 0 }, 'model.version is not a positive integer'],
      [{ ...good, params: undefined }, 'model.params is not an object'],
      [{ ...good, params: { ...good.params, kind: 'svm' } }, 'model.params.kind "svm" is not "gaussian-zscore"'],
      [{ ...good, params: { ...good.params, features: [] } }, 'model.params.features is not a list of names'],
      [{ ...good, params: { ...good.params, mean: [1] } }, 'model.params.mean needs one number per feature'],
      [{ ...good, params: { ...good.params, std: [1, 0] } }, 'model.params.std must be above 0'],
      [{ ...good, params: { ...good.params, threshold: -1 } }, 'model.params.threshold must be a number above 0'],
    ];
    for (const [model, message] of cases) expect(problem(model)).toBe(message);
  });
});

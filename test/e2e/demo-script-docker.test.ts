import { spawn } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { eventually, tempDir } from '@verge/testkit';
import { describeWithDocker } from '@verge/testkit/docker';
import { REPO_ROOT } from '@verge/testkit/edge';

// `npm run demo -- --modules docker`: the same fleet deployment as Docker modules on one engine. Three edge runtimes
// run the same module ids side by side, each naming its containers behind its own prefix (`<deviceId>-`); the demo
// builds its image locally (no registry) and removes its containers when it stops.

const DEMO = join(REPO_ROOT, 'scripts/demo.mjs');
const BUILT = ['apps/cloud/dist/index.js', 'apps/edge/dist/index.js', 'packages/api-client/dist/index.js', 'packages/testkit/dist/manifest/index.js'].every((f) =>
  existsSync(join(REPO_ROOT, f)),
);
const DEVICES = ['demo-oslo-press', 'demo-oslo-lathe', 'demo-bergen-press'];
const MODULES = ['sensor', 'anomaly', 'filter'];
const DEMO_LABEL = 'org.verge.demo=true';

function runDemo(args: string[], cwd: string): { output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [DEMO, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return { output: () => output, exited: new Promise((resolve) => child.once('exit', (c) => resolve(c))) };
}

describeWithDocker('demo script with Docker modules (npm run demo -- --modules docker)', ({ docker }) => {
  const tmp = tempDir('verge-demo-docker-');
  chmodSync(tmp.dir, 0o755);
  afterAll(() => tmp.cleanup());

  it.runIf(BUILT)('runs the fleet deployment as containers named per runtime, and removes them when it stops', async () => {
    const demo = runDemo(['--seconds', '1', '--data', join(tmp.dir, 'data'), '--modules', 'docker'], tmp.dir);
    const running = async (): Promise<string[]> => {
      const listed = await docker.listContainers({ filters: { label: [DEMO_LABEL], status: ['running'] } });
      return listed.map((c) => (c.Names[0] ?? '').replace(/^\//, '')).sort();
    };
    const names = await eventually(async () => ((await running()).length === 9 ? running() : undefined), {
      description: 'the demo to run its 9 module containers',
      timeoutMs: 100_000,
      intervalMs: 500,
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\ndemo output:\n${demo.output()}`);
    });
    expect(names).toEqual(DEVICES.flatMap((d) => MODULES.map((m) => `${d}-${m}`)).sort());

    const code = await demo.exited;
    const output = demo.output();
    expect(code, output).toBe(0);
    expect(output).toMatch(/modules +Docker containers of verge-demo\/node:local/);
    expect(output).toMatch(/3 of 3 edge devices report success for demo-ml-v1; every anomaly module runs model v1/);
    expect(output).toMatch(/Rollout of model v2 completed in 3 waves/);
    expect(output).toMatch(/demo-bergen-press +back online: its anomaly module had loaded model v2 from the cache while offline/);
    expect(output).toMatch(/Stopped cleanly/);
    expect(await docker.listContainers({ all: true, filters: { label: [DEMO_LABEL] } })).toEqual([]);
  }, 120_000);

  it('refuses --modules with an unknown value, naming the choices', async () => {
    const demo = runDemo(['--modules', 'podman'], tmp.dir);
    expect(await demo.exited).toBe(2);
    expect(demo.output()).toBe('error: --modules "podman" is not one of auto, docker, process\n');
  });
});

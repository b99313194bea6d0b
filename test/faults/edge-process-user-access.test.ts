import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedModule } from '@verge/contracts';
import type { RunningEdge } from '@verge/edge';
import { createLogger } from '@verge/platform';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { listManagedModules, managedModuleLogs, MODULES_DIR, startTestEdge, deployment, moduleEntry, announceSkip, stageModules, unreachableByOthers } from '@verge/testkit/edge';

// Issue 7: run as root, the runtime starts each process module as its own unprivileged uid. A program in a
// directory that uid cannot enter (a clone under /root, mode 0700) used to be spawned anyway: node died with
// MODULE_NOT_FOUND, the module was restarted again and again, and nothing said why. Now the runtime checks first:
// the module is not spawned, it is reported failed with the path, the uid and the ways out, one log line says the
// same, and the runtime and its other modules keep running.

const EDGE_ID = 'edge-user-access';
const SUITE = 'a dedicated-user module whose program is in a private (0700) directory';
const SKIP_REASON =
  process.getuid?.() !== 0 ? 'the tests do not run as root (only root can start process modules as their own users)' : await unreachableByOthers([]).then((why) => why && `node itself is out of other users' reach: ${why}`);
if (SKIP_REASON !== undefined) announceSkip(SUITE, SKIP_REASON);

describe.skipIf(SKIP_REASON !== undefined)(SUITE, () => {
  const tmp = tempDir('verge-pua-');
  const privateDir = join(tmp.dir, 'private');
  const hiddenProgram = join(privateDir, 'sleeper.mjs');
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ service: 'edge', level: 'warn', destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } });
  let staged: { dir: string; cleanup: () => void } | undefined;
  let t: TestCloud;
  let edge: RunningEdge;

  beforeAll(async () => {
    chmodSync(tmp.dir, 0o755);
    mkdirSync(privateDir, { mode: 0o700 });
    chmodSync(privateDir, 0o700);
    copyFileSync(join(MODULES_DIR, 'sleeper.mjs'), hiddenProgram);
    chmodSync(hiddenProgram, 0o644);
    staged = await stageModules(['sleeper.mjs']);
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const { connectionString } = await createEdgeDevice(t, EDGE_ID);
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString, runtime: 'process', processUser: 'dedicated', log });
    const runner = { kind: 'process', node: process.execPath, modulesDir: staged.dir } as const;
    const manifest = deployment(runner, { visible: { file: 'sleeper.mjs' } }, { routes: {} });
    const agent = manifest.modulesContent['$edgeAgent'] as { 'properties.desired': { modules: Record<string, unknown> } };
    agent['properties.desired'].modules['hidden'] = { ...moduleEntry(runner, { file: 'sleeper.mjs' }), settings: { command: process.execPath, args: [hiddenProgram] } };
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);
  });

  afterAll(async () => {
    await edge?.stop();
    await t?.cloud.stop();
    staged?.cleanup();
    tmp.cleanup();
  });

  const find = async (id: string): Promise<ManagedModule | undefined> => (await listManagedModules(edge)).find((m) => m.id === id);

  it('is not started: reported failed naming the path, the uid and the ways out; one log line; the runtime and the other module run on', async () => {
    const hidden = await eventually(async () => {
      const m = await find('hidden');
      if (m?.runtimeStatus !== 'failed') throw new Error(`hidden is ${m?.runtimeStatus ?? 'not listed'}: ${m?.statusDescription ?? ''}`);
      return m;
    }, { description: 'the hidden module to be reported failed', timeoutMs: 20_000 });
    const uid = /uid (\d+)/.exec(hidden.statusDescription)?.[1];
    expect(Number(uid)).toBeGreaterThan(0);
    expect(hidden.statusDescription).toContain(`which cannot reach the file named in its arguments ${hiddenProgram}: the directory ${privateDir} is not searchable by that uid (mode 0700`);
    expect(hidden.statusDescription).toContain('--process-user runtime');
    expect(hidden.statusDescription).toContain('not retried before the next deployment');
    expect(hidden.exitCode).toBe(126);

    // The runtime keeps running, and so does the module whose program its user can reach.
    const visible = await eventually(async () => {
      const m = await find('visible');
      return m?.runtimeStatus === 'running' ? m : undefined;
    }, { description: 'the visible module to run', timeoutMs: 30_000 });
    expect(visible.runtimeStatus).toBe('running');
    await eventually(async () => (await managedModuleLogs(edge, 'visible')).includes('sleeper up as uid'), { description: 'the visible module to print its first line', timeoutMs: 30_000 });

    // Never spawned (no output of its own), not retried: its log holds the one line saying why, and the runtime's
    // log names the path, the uid and the ways out once, with the registered code.
    const hiddenLog = await managedModuleLogs(edge, 'hidden');
    expect(hiddenLog).not.toContain('sleeper up');
    expect(hiddenLog.split('\n').filter((l) => l.includes('verge: not started'))).toHaveLength(1);
    const failures = lines.filter((l) => JSON.stringify(l).includes(hiddenProgram));
    expect(failures).toHaveLength(1);
    const err = failures[0]?.['err'] as { code?: string; message?: string } | undefined;
    expect(err?.code).toBe('AGT_MODULE_USER_CANNOT_ACCESS');
    expect(err?.message).toContain(`uid ${uid}`);
    expect(err?.message).toContain('--process-user runtime');
  });
});

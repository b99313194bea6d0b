import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedModule } from '@verge/contracts';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { listManagedModules, startTestEdge, deployment, moduleEntry, runVerge } from '@verge/testkit/edge';

// Issue 7: `verge edge list` showed modules that `verge edge logs` / `verge edge restart` said did not exist, and a
// module's status description kept an old failure after the module ran. Here the three commands (the real CLI) must
// agree on every listed module, edgeAgent and edgeHub included, with a clear message where an operation does not
// apply; and a module whose program was missing at first reads plain `running` once it runs.

const EDGE_ID = 'edge-mgmt';

describe('verge edge list / logs / restart agree; status descriptions follow the module', () => {
  const tmp = tempDir('verge-mgmt-');
  const dataDir = join(tmp.dir, 'edge');
  const late = join(tmp.dir, 'late.sh');
  let t: TestCloud;
  let edge: RunningEdge;

  beforeAll(async () => {
    chmodSync(tmp.dir, 0o711); // process modules run as their own users (as root): they must reach late.sh
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const { connectionString } = await createEdgeDevice(t, EDGE_ID);
    edge = await startTestEdge(t, { dataDir, connectionString, runtime: 'process' });
    const manifest = deployment({ kind: 'process', node: process.execPath }, { sleeper: { file: 'sleeper.mjs' } }, { routes: {} });
    const agent = manifest.modulesContent['$edgeAgent'] as { 'properties.desired': { modules: Record<string, unknown> } };
    // A program that does not exist yet, and a Docker module on a runtime that runs only processes (never created).
    agent['properties.desired'].modules['late'] = { ...moduleEntry({ kind: 'process', node: process.execPath }, { file: 'unused' }), settings: { command: late, args: [] } };
    agent['properties.desired'].modules['boxed'] = moduleEntry({ kind: 'docker', image: 'verge-test/none:1', runId: 'mgmt' }, { file: 'sleeper.mjs' });
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);
  });

  afterAll(async () => {
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  const find = async (id: string): Promise<ManagedModule | undefined> => (await listManagedModules(edge)).find((m) => m.id === id);

  it('logs and restart accept every module list shows, with a clear message where they do not apply', async () => {
    await eventually(async () => (await find('sleeper'))?.runtimeStatus === 'running' && (await find('late'))?.statusDescription.includes('does not exist'), { description: 'sleeper running and late failing', timeoutMs: 30_000 });
    const listed = await runVerge(['edge', 'list', '--data', dataDir, '--json']);
    expect(listed.code).toBe(0);
    const ids = (JSON.parse(listed.stdout) as ManagedModule[]).map((m) => m.id);
    expect(ids).toEqual(['edgeAgent', 'edgeHub', 'boxed', 'late', 'sleeper']);

    const outcomes = await Promise.all(
      ids.flatMap((id) => [
        runVerge(['edge', 'logs', id, '--tail', '1', '--data', dataDir]).then((r) => ({ id, op: 'logs', ...r })),
        runVerge(['edge', 'restart', id, '--data', dataDir]).then((r) => ({ id, op: 'restart', ...r })),
      ]),
    );
    for (const o of outcomes) {
      const where = `verge edge ${o.op} ${o.id}: ${o.stderr}`;
      expect(o.stderr, where).not.toContain('does not exist on this edge device');
      expect(o.stderr, where).not.toMatch(/\n\s+at /);
      if (o.code !== 0) expect(o.stderr.trimEnd().split('\n'), where).toHaveLength(1);
    }
    const byKey = new Map(outcomes.map((o) => [`${o.op} ${o.id}`, o]));
    expect(byKey.get('logs edgeHub')?.stderr).toBe("error: AGT_SYSTEM_MODULE_IN_PROCESS: edgeHub runs inside the edge runtime process: its log is the runtime's own output (the output of `verge edge start`)\n");
    expect(byKey.get('restart edgeAgent')?.stderr).toBe('error: AGT_SYSTEM_MODULE_IN_PROCESS: edgeAgent runs inside the edge runtime process: restart the edge runtime (`verge edge start`) to restart it\n');
    expect(byKey.get('logs boxed')?.stderr).toMatch(/^error: AGT_MODULE_NOT_CREATED: module 'boxed' is deployed but not created yet \(\w+: .+\): it has no logs yet\n$/);
    expect(byKey.get('restart boxed')?.stderr).toMatch(/^error: AGT_MODULE_NOT_CREATED: module 'boxed' is deployed but not created yet/);
    expect(byKey.get('logs sleeper')).toMatchObject({ code: 0 });
    expect(byKey.get('restart sleeper')).toMatchObject({ code: 0, stdout: 'restarted sleeper\n' });
    expect(byKey.get('logs late')).toMatchObject({ code: 0 });
    expect(byKey.get('logs late')?.stdout).toContain('the command does not exist');
  });

  it('drops a failure from the status description once the module runs', async () => {
    writeFileSync(late, '#!/bin/sh\necho late up\nexec sleep 600\n', { mode: 0o755 });
    const restarted = await runVerge(['edge', 'restart', 'late', '--data', dataDir]);
    expect(restarted.stderr).toBe('');
    const running = await eventually(async () => {
      const m = await find('late');
      return m?.runtimeStatus === 'running' ? m : undefined;
    }, { description: 'late to run', timeoutMs: 30_000 });
    expect(running.statusDescription).toBe('running');
  });
});

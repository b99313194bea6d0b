// `verge edge check` and `verge edge support-bundle` run in-process through `main([...])` against a real cloud and
// a real edge runtime (process modules: unmodified Azure SDK programs), with stdout/stderr captured.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import { installEdgeConfig } from '@verge/edge';
import { eventually, readTarGz } from '@verge/testkit';
import type { TestCloud } from '@verge/testkit/cloud';
import { managedModuleLogs, startPipelineEdge, type PipelineEdge } from '@verge/testkit/edge';
import { capturedVerge } from '../helpers/verge-cli-capture.js';

const { verge } = capturedVerge();

const EDGE_ID = 'edge-ops';

/** Installs the edge config as an operator does (`verge edge config install`): `check` and the bundle read it. */
async function installConfig(t: TestCloud, connectionString: string, file: string, dataDir: string): Promise<void> {
  writeFileSync(file, JSON.stringify({ connectionString, cloudCaFile: t.cloud.caPath, cloudApiUrl: t.cloud.urls.https, runtime: 'process' }));
  await installEdgeConfig(file, dataDir, {});
}

describe('verge edge check and support-bundle', () => {
  let pipeline: PipelineEdge;
  let t: TestCloud;
  let edge: RunningEdge;
  let tmpDir: string;
  let dataDir: string;
  let cs: string;
  let deviceKey: string;

  beforeAll(async () => {
    pipeline = await startPipelineEdge({
      edgeId: EDGE_ID,
      tempPrefix: 'verge-edge-ops-',
      sendIntervalMs: 200,
      beforeStart: (p) => installConfig(p.t, p.connectionString, join(p.dir, 'edge-config.json'), p.dataDir),
    });
    ({ t, edge, dir: tmpDir, dataDir, connectionString: cs } = pipeline);
    deviceKey = /SharedAccessKey=([^;]+)/.exec(cs)?.[1] ?? '';
  });

  afterAll(() => pipeline?.stop());

  it('check --json: every check passes on a running, healthy device (exit 0)', async () => {
    const r = await verge('edge', 'check', '--data', dataDir, '--json', '--disk-warn-bytes', '1', '--disk-fail-bytes', '1');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { checks: { id: string; status: string }[]; summary: Record<string, number> };
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report.checks.map((c) => c.id)).toContain('runtime-running');
    expect(report.summary.fail).toBe(0);
  });

  it('check: a failing check prints [FAIL] with the fix and exits 1; --warnings-as-errors exits 1 on a warning', async () => {
    const failed = await verge('edge', 'check', '--data', dataDir, '--disk-fail-bytes', String(Number.MAX_SAFE_INTEGER));
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^\[FAIL\] disk space for the message store \(store-disk-space\): .* new messages are refused$/m);
    expect(failed.stdout).toMatch(/^ {7}fix: free disk space/m);
    expect(failed.stdout).toMatch(/\d+ passed, 0 warnings, 1 failed$/m);
    const warned = await verge('edge', 'check', '--data', dataDir, '--disk-warn-bytes', String(Number.MAX_SAFE_INTEGER), '--disk-fail-bytes', '1', '--warnings-as-errors');
    expect(warned.code).toBe(1);
    expect(warned.stdout).toMatch(/^\[warn\] disk space for the message store/m);
  });

  it('check: a bad threshold is bad input (exit 2) naming the flag', async () => {
    const r = await verge('edge', 'check', '--data', dataDir, '--disk-warn-bytes', 'lots');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--disk-warn-bytes');
  });

  it('support-bundle: one tar.gz with check output, module states and logs, redacted configuration, and no secret', async () => {
    // "running" is the process; its first line comes once the SDK connected.
    await eventually(async () => (await managedModuleLogs(edge, 'producer')).includes('producer connected'), { description: 'the producer to print its first line', timeoutMs: 30_000 });
    const out = join(tmpDir, 'bundle.tar.gz');
    // The runtime's own output, with secrets a careless line could hold: the connection string and a SAS token.
    const runtimeLog = join(tmpDir, 'runtime.log');
    const old = new Date(Date.now() - 7_200_000).toISOString();
    writeFileSync(runtimeLog, `{"time":"${old}","msg":"too old"}\n{"time":"${new Date().toISOString()}","msg":"edge runtime started","cs":"${cs}","auth":"SharedAccessSignature sr=h&sig=c2VjcmV0c2lnbmF0dXJl&se=1"}\n`);
    const r = await verge('edge', 'support-bundle', '--data', dataDir, '--out', out, '--since', '1 hour', '--runtime-log', runtimeLog);
    expect(r.stderr).toContain('collecting modules and logs …\n');
    expect(r.stderr).toContain('writing the archive …\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*bundle\.tar\.gz \(\d+ files, \d+ bytes; keys and connection strings redacted\)$/m);
    const files = await readTarGz(out);
    const names = [...files.keys()].map((n) => n.replace(/^verge-support-bundle\//, '')).sort();
    expect(names).toEqual(
      expect.arrayContaining(['check.json', 'check.txt', 'config/edge.json', 'config/effective.json', 'dead-letters.json', 'logs/modules/filter.log', 'logs/modules/producer.log', 'modules.json', 'notes.txt', 'system.json']),
    );
    const text = (name: string): string => files.get(`verge-support-bundle/${name}`)?.toString('utf8') ?? '';
    const modules = JSON.parse(text('modules.json')) as { id: string; runtimeStatus: string }[];
    expect(modules.find((m) => m.id === 'producer')?.runtimeStatus).toBe('running');
    expect(text('logs/modules/producer.log')).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z producer connected$/m);
    expect(JSON.parse(text('config/edge.json'))).toMatchObject({ connectionString: '[redacted]', runtime: 'process' });
    expect(JSON.parse(text('check.json'))).toMatchObject({ summary: expect.any(Object) });
    expect(text('check.txt')).toContain('(config-well-formed)');
    const runtime = text('logs/runtime/runtime.log');
    expect(runtime).toContain('edge runtime started');
    expect(runtime).not.toContain('too old');
    expect(runtime).not.toContain('c2VjcmV0c2lnbmF0dXJl');
    for (const [name, body] of files) {
      const content = body.toString('utf8');
      expect(content, name).not.toContain(deviceKey);
      expect(content, name).not.toContain(cs);
      expect(content, name).not.toMatch(/SharedAccessKey=(?!\[redacted\])/);
    }
  });

  it('support-bundle: a bad --since is bad input; an unwritable --out fails naming the file', async () => {
    const since = await verge('edge', 'support-bundle', '--data', dataDir, '--since', 'yesterday-ish');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('error: --since "yesterday-ish" is not a duration before now');
    const out = join(tmpDir, 'no-such-dir', 'b.tar.gz');
    const r = await verge('edge', 'support-bundle', '--data', dataDir, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: cannot write the support bundle ${out}: `);
  });

  it('support-bundle: without a running runtime the bundle still comes, saying what it could not collect', async () => {
    const other = join(tmpDir, 'stopped');
    await installConfig(t, cs, join(tmpDir, 'stopped-config.json'), other);
    const out = join(tmpDir, 'stopped.tar.gz');
    const r = await verge('edge', 'support-bundle', '--data', other, '--out', out);
    expect(r.code).toBe(0);
    const files = await readTarGz(out);
    expect(files.get('verge-support-bundle/notes.txt')?.toString()).toContain('the edge runtime does not answer (cannot reach the edge runtime at');
    expect(files.has('verge-support-bundle/modules.json')).toBe(false);
    for (const body of files.values()) expect(body.toString('utf8')).not.toContain(deviceKey);
  });
});

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGEMENT_SOCKET_FILE } from '@verge/contracts';
import { applyConfigurationContent, createEdgeDevice, startTestCloud, type TestCloud } from '../support/cloud.js';
import { listManagedModules, tempDir, waitFor } from '../support/edge.js';
import { deployment } from '../support/manifest.js';
import { killVerge, spawnVerge, type VergeProcess } from '../support/verge-cli.js';
import { stageModules } from '../support/process-user.js';

// Issue 7: `verge edge start` took ~10 s to exit after "shutdown complete" (a grace-period timer of the process
// runtime stayed armed after the module had exited), and logged an error-level "$edgeHub is not deployed" line on
// every start. The real CLI runs with a process module; SIGTERM must end it within ~2 s, cleanly, and a normal start
// must log no error.

const EDGE_ID = 'edge-shutdown';
const EXIT_WITHIN_MS = 2_500;

describe('verge edge start: prompt exit on SIGTERM, no error lines on a normal start (real CLI)', () => {
  const tmp = tempDir('verge-shut-');
  const dataDir = join(tmp.dir, 'edge');
  let t: TestCloud;
  let edgeCs: string;
  let run: VergeProcess | undefined;
  // Staged world-readable: as root the module runs as its own uid, wherever the repository lives.
  let staged: { dir: string; cleanup: () => void } | undefined;

  beforeAll(async () => {
    staged = await stageModules(['sleeper.mjs']);
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    edgeCs = (await createEdgeDevice(t, EDGE_ID)).connectionString;
    const manifest = deployment({ kind: 'process', node: process.execPath, modulesDir: staged.dir }, { sleeper: { file: 'sleeper.mjs' } }, { routes: {} });
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);
  });

  afterAll(async () => {
    killVerge(run);
    await t?.cloud.stop();
    staged?.cleanup();
    tmp.cleanup();
  });

  it('exits within ~2 s of SIGTERM with a process module running', async () => {
    const args = ['edge', 'start', '--data', dataDir, '--cloud-ca', t.cloud.caPath, '--cloud-api', t.cloud.urls.https];
    args.push('--bind', '127.0.0.1', '--mqtt-port', '0', '--runtime', 'process', '--log-level', 'info');
    const edge = spawnVerge(args, { env: { VERGE_EDGE_CONNECTION_STRING: edgeCs } });
    run = edge;
    const management = { managementSocketPath: join(dataDir, MANAGEMENT_SOCKET_FILE) };
    await waitFor(
      async () => (await listManagedModules(management)).find((m) => m.id === 'sleeper' && m.runtimeStatus === 'running'),
      `the sleeper module to run (output: ${edge.output().slice(-2000)})`,
      60_000,
      200,
    );
    // Connected to the cloud, deployment applied: the start is over.
    await waitFor(() => edge.output().includes('connected to the cloud as $edgeAgent'), 'the agent to connect', 30_000, 100);

    const sentAt = Date.now();
    edge.child.kill('SIGTERM');
    const exit = await edge.exited;
    const tookMs = Date.now() - sentAt;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('shutdown complete');
    expect(tookMs).toBeLessThan(EXIT_WITHIN_MS);

    // pino level 50 = error, 60 = fatal: a normal start and stop logs neither.
    const errors = exit.stdout.split('\n').filter((line) => /^\{"level":(50|60),/.test(line));
    expect(errors).toEqual([]);
  });
});

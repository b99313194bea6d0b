import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, tempDir } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { killVerge, spawnVerge, type VergeProcess, deploySleeperEdge, waitForModuleRunning } from '@verge/testkit/edge';

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
  let unstage: (() => void) | undefined;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const deployed = await deploySleeperEdge(t, EDGE_ID);
    edgeCs = deployed.connectionString;
    unstage = deployed.cleanup;
  });

  afterAll(async () => {
    killVerge(run);
    await t?.cloud.stop();
    unstage?.();
    tmp.cleanup();
  });

  it('exits within ~2 s of SIGTERM with a process module running', async () => {
    const args = ['edge', 'start', '--data', dataDir, '--cloud-ca', t.cloud.caPath, '--cloud-api', t.cloud.urls.https];
    args.push('--bind', '127.0.0.1', '--mqtt-port', '0', '--https-port', '0', '--runtime', 'process', '--log-level', 'info');
    const edge = spawnVerge(args, { env: { VERGE_EDGE_CONNECTION_STRING: edgeCs } });
    run = edge;
    await waitForModuleRunning(dataDir, 'sleeper', edge.output);
    // Connected to the cloud, deployment applied: the start is over.
    await eventually(() => edge.output().includes('connected to the cloud as $edgeAgent'), { description: 'the agent to connect', timeoutMs: 30_000, intervalMs: 100 });

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

import { closeSync, fstatSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, createEdgeDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { agentReported, deployment, startTestEdge, waitForRunning } from '@verge/testkit/edge';
import { missingSeqs, mountTmpfs, producerRuns, tmpfsProblem, unmountTmpfs } from '@verge/testkit/faults';

// A disk filled to the last byte by something else (a log, another program) under a running edge runtime: the hub's
// reserve cannot help there. The runtime must keep what runs running, refuse or fail a new deployment with a reason
// the operator can read in the cloud, and apply it by itself once space returns; nothing it acknowledged is lost.

const MiB = 1024 * 1024;
const DISK_BYTES = 64 * MiB;
const EDGE_ID = 'edge-disk-agent';
const NODE = { kind: 'process', node: process.execPath } as const;

const problem = tmpfsProblem();
if (problem !== undefined) console.warn(`SKIPPED test/faults/edge-agent-full-disk.test.ts: ${problem}`);

/** Writes `path` until the filesystem has no byte left (ENOSPC). */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(MiB, 1);
  try {
    for (;;) {
      const free = statfsSync(path).bavail * statfsSync(path).bsize;
      if (free === 0) break;
      writeSync(fd, chunk, 0, Math.min(chunk.length, free));
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    expect(fstatSync(fd).size).toBeGreaterThan(0);
    closeSync(fd);
  }
}

describe.skipIf(problem !== undefined)('edge runtime on a disk filled by another program', () => {
  const tmp = tempDir('verge-agent-disk-');
  const dataDir = join(tmp.dir, 'edge');
  const filler = join(dataDir, 'filler.bin');
  let t: TestCloud;
  let edge: RunningEdge | undefined;
  let events: EventCollector;

  beforeAll(async () => {
    mountTmpfs(dataDir, DISK_BYTES);
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const { connectionString } = await createEdgeDevice(t, EDGE_ID);
    events = collectEvents(t.api, EDGE_ID);
    const first = deployment(NODE, { producer: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '100' } } }, { routes: { up: 'FROM /messages/modules/* INTO $upstream' } });
    expect((await applyConfigurationContent(t, EDGE_ID, first)).status).toBe(204);
    edge = await startTestEdge(t, { dataDir, connectionString, runtime: 'process' });
  });

  afterAll(async () => {
    events?.stop();
    await edge?.stop();
    await t?.cloud.stop();
    unmountTmpfs(dataDir);
    tmp.cleanup();
  });

  it('keeps running modules, reports why a deployment made on the full disk cannot complete, completes it once space returns', async () => {
    await waitForRunning(t, EDGE_ID, ['producer']);
    await eventually(() => events.bodiesOf('producer').length >= 5, { description: 'producer messages at the cloud', timeoutMs: 30_000 });
    fillDisk(filler);
    const sentBeforeFull = events.bodiesOf('producer').length;

    const second = deployment(
      NODE,
      { producer: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '100' } }, second: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '100' } } },
      { routes: { up: 'FROM /messages/modules/* INTO $upstream' } },
    );
    expect((await applyConfigurationContent(t, EDGE_ID, second)).status).toBe(204);
    const version = (await t.api.twins.get({ deviceId: EDGE_ID, moduleId: '$edgeAgent' })).properties?.desired?.['$version'];

    // The agent applies it although it cannot save it, and says what went wrong: the deployment status names the
    // failed step and the cause, the new module waits to be tried again, the producer still runs.
    const reported = await eventually(
      async () => {
        const r = await agentReported(t, EDGE_ID);
        return r['lastDesiredVersion'] === version && (r['lastDesiredStatus'] as { code?: number } | undefined)?.code === 500 ? r : undefined;
      },
      { description: 'the agent to report the deployment it could not complete', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect((reported['lastDesiredStatus'] as { description: string }).description).toMatch(/^createModule:second: ENOSPC/);
    expect((reported['modules'] as Record<string, { runtimeStatus: string }>)['producer']?.runtimeStatus).toBe('running');

    // Space returns: the module is created and started and the status clears (the failed create left nothing behind,
    // so it was planned again); the producer's stream goes on without a gap (it counts only acknowledged messages).
    rmSync(filler);
    await waitForRunning(t, EDGE_ID, ['producer', 'second'], 60_000);
    await eventually(() => events.bodiesOf('second').length >= 3, { description: "the second module's messages at the cloud", timeoutMs: 30_000 });
    await eventually(() => events.bodiesOf('producer').length >= sentBeforeFull + 10, { description: 'the producer to go on', timeoutMs: 30_000 });
    const runs = producerRuns(events, 'producer');
    expect(runs.size).toBe(1);
    const seqs = [...runs.values()][0] ?? [];
    expect(missingSeqs(seqs, Math.max(...seqs))).toEqual([]);
  });
});

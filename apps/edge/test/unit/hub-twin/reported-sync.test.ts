import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { VergeError } from '@verge/contracts';
import { applyMergePatch, type JsonObject } from '@verge/core';
import { eventually, silentLog, tempDir } from '@verge/testkit';
import { HubState } from '../../../src/hub/state/hub-state.js';
import { ReportedSync } from '../../../src/hub/twin/reported-sync.js';
import type { UpstreamLink } from '../../../src/hub/upstream/upstream-link.js';
import type { UpstreamPool } from '../../../src/hub/upstream/upstream-pool.js';

// The hub answers reported patches locally and syncs them later, coalesced. The cloud judges the coalesced patch as a
// whole: when it refuses it (a twin over its size limit), the patches it was made of must not all be dropped with it.

const ID = { deviceId: 'edge', moduleId: 'm' };
const CLIENT = 'edge/m';

/** A cloud twin whose reported section refuses any patch that takes it over `limitBytes` (IoT Hub: 32 KB). */
function cloudTwin(limitBytes: number) {
  let reported: JsonObject = {};
  const sent: JsonObject[] = [];
  const patchReported = (patch: JsonObject): Promise<void> => {
    sent.push(patch);
    const next = applyMergePatch(reported, patch) as JsonObject;
    if (JSON.stringify(next).length > limitBytes) {
      return Promise.reject(new VergeError('SDK_TWIN_REQUEST_FAILED', 'reported properties patch failed with status 400: twin too large', { details: { status: 400 } }));
    }
    reported = next;
    return Promise.resolve();
  };
  return { patchReported, sent, reported: () => reported };
}

function setup(limitBytes: number) {
  const tmp = tempDir('verge-rsync-');
  onTestFinished(() => tmp.cleanup());
  const state = HubState.open(join(tmp.dir, 'state.db'), () => 1000);
  onTestFinished(() => state.close());
  const cloud = cloudTwin(limitBytes);
  const link = { clientId: CLIENT, connected: true, current: { patchReported: cloud.patchReported } } as unknown as UpstreamLink;
  const pool = { acquire: () => link } as unknown as UpstreamPool;
  const sync = new ReportedSync({ state, pool, log: silentLog(), cloudTimeoutMs: 1000, retryMs: 60_000 });
  onTestFinished(() => sync.stop());
  return { state, cloud, sync };
}

describe('ReportedSync', () => {
  it('when the cloud refuses a coalesced patch, sends its parts one by one and drops only those refused alone', async () => {
    const { state, cloud, sync } = setup(1000);
    // Each patch alone fits; together they do not: the cloud refuses the coalesced one.
    state.addPendingReported(CLIENT, { a: 'x'.repeat(400) });
    state.addPendingReported(CLIENT, { b: 'y'.repeat(400) });
    state.addPendingReported(CLIENT, { c: 'z'.repeat(400) });
    state.addPendingReported(CLIENT, { d: 1 });
    sync.schedule(ID);
    await eventually(() => state.pendingReported(CLIENT).length === 0, { description: 'the pending patches to be synced or dropped', timeoutMs: 5_000, intervalMs: 10 });
    expect(Object.keys(cloud.reported())).toEqual(['a', 'b', 'd']);
    expect(cloud.sent[0]).toEqual({ a: 'x'.repeat(400), b: 'y'.repeat(400), c: 'z'.repeat(400), d: 1 });
  });

  it('sends a coalesced patch once when the cloud accepts it (control)', async () => {
    const { state, cloud, sync } = setup(10_000);
    state.addPendingReported(CLIENT, { a: 1 });
    state.addPendingReported(CLIENT, { b: { c: 2 } });
    sync.schedule(ID);
    await eventually(() => state.pendingReported(CLIENT).length === 0, { description: 'the pending patches to be synced', timeoutMs: 5_000, intervalMs: 10 });
    expect(cloud.sent).toEqual([{ a: 1, b: { c: 2 } }]);
  });
});

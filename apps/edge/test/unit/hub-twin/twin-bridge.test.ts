import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { applyMergePatch } from '@verge/core';
import { silentLog, tempDir } from '@verge/testkit';
import type { SessionRegistry } from '@verge/iothub-mqtt';
import { HubState } from '../../../src/hub/state/hub-state.js';
import type { ReportedSync } from '../../../src/hub/twin/reported-sync.js';
import { TwinBridge } from '../../../src/hub/twin/twin-bridge.js';
import type { UpstreamLink } from '../../../src/hub/upstream/upstream-link.js';
import type { UpstreamPool } from '../../../src/hub/upstream/upstream-pool.js';

// The hub's twin relay against a link whose GET the test answers by hand: a desired patch that reaches the hub while a
// module's twin GET is in flight, and the GET's answer without it (handled after the patch by the device client).

const ID = { deviceId: 'edge', moduleId: 'filter' };

function setup(o: { maxPendingReported?: number } = {}) {
  const tmp = tempDir('verge-twb-');
  onTestFinished(() => tmp.cleanup());
  const state = HubState.open(join(tmp.dir, 'state.db'), () => 1000);
  onTestFinished(() => state.close());
  let listener: ((patch: Record<string, unknown>, version: number | undefined) => void) | undefined;
  const gets: ((desired: Record<string, unknown>) => void)[] = [];
  const link = {
    clientId: 'edge/filter',
    connected: true,
    setDesiredListener: (l: typeof listener) => (listener = l),
    current: { getTwin: () => new Promise((resolve) => gets.push((desired) => resolve({ desired, reported: { $version: 1 } }))) },
  } as unknown as UpstreamLink;
  const pool = { acquire: () => link, online: true } as unknown as UpstreamPool;
  const bridge = new TwinBridge({
    state,
    pool,
    sessions: { get: () => undefined } as unknown as SessionRegistry,
    sync: { schedule: () => undefined } as unknown as ReportedSync,
    log: silentLog(),
    nowMs: () => 1000,
    cloudTimeoutMs: 1000,
    connectWaitMs: 1000,
    ...o,
  });
  bridge.watchDesired(ID);
  const patch = (body: Record<string, unknown>, version: number) => listener?.(body, version);
  return { state, bridge, gets, patch };
}

describe('TwinBridge', () => {
  it('keeps a desired patch that arrived while a GET was in flight when the GET answers with the older twin', async () => {
    const { state, bridge, gets, patch } = setup();
    const first = bridge.get(ID);
    gets[0]?.({ threshold: 1, $version: 4 });
    expect(JSON.parse((await first).body as string)).toMatchObject({ desired: { threshold: 1, $version: 4 } });

    const second = bridge.get(ID);
    patch({ threshold: 2 }, 5); // the deployment changed the module's twin while the GET was in flight
    gets[1]?.({ threshold: 1, $version: 4 }); // an answer without the patch, handled after it
    expect(JSON.parse((await second).body as string)).toMatchObject({ desired: { threshold: 2, $version: 5 } });
    expect(state.twin('edge/filter')?.desired).toMatchObject({ threshold: 2, $version: 5 });

    // Without a patch meanwhile, the GET's answer is taken as it is.
    const third = bridge.get(ID);
    gets[2]?.({ threshold: 3, $version: 6 });
    expect(JSON.parse((await third).body as string)).toMatchObject({ desired: { threshold: 3, $version: 6 } });
  });

  it('keeps what a client reports while the cloud is away bounded: patches are merged once it holds the most, and refused (429) only when they cannot be', () => {
    // The ReportedSync stub never syncs: the cloud is unreachable, every patch stays pending.
    const { state, bridge } = setup({ maxPendingReported: 10 });
    const report = (patch: unknown) => bridge.patchReported(ID, Buffer.from(JSON.stringify(patch)));
    for (let i = 0; i < 1000; i++) expect(report({ temperature: i, at: { seq: i } }).status).toBe(204);
    expect(state.pendingReported('edge/filter').length).toBeLessThanOrEqual(10);
    // Merged in order: the last value of each key wins, as applying them one by one gives.
    const merged = state.pendingReported('edge/filter').reduce<Record<string, unknown>>((doc, p) => applyMergePatch(doc, p.patch) as Record<string, unknown>, {});
    expect(merged).toEqual({ temperature: 999, at: { seq: 999 } });

    // Patches that no single patch can combine (a key set to a value, then patched with an object) stop at the limit.
    let answer = report({ k0: 1 });
    for (let i = 0; i < 40 && answer.status === 204; i++) answer = report(i % 2 === 0 ? { [`k${i / 2}`]: { x: 1 } } : { [`k${(i + 1) / 2}`]: 1 });
    expect(answer.status).toBe(429);
    expect(JSON.parse(answer.body as string)).toMatchObject({ errorCode: 'HUB_TWIN_PENDING_FULL' });
    expect(state.pendingReported('edge/filter').length).toBeLessThanOrEqual(10);
  });
});

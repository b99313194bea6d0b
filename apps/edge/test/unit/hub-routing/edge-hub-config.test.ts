import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { silentLog, tempDir } from '@verge/testkit';
import { edgeHubDesired } from '@verge/testkit/manifest';
import { EdgeHubConfigWatcher } from '../../../src/hub/routing/edge-hub-config.js';
import { RouteTable } from '../../../src/hub/routing/route-table.js';
import { HubState } from '../../../src/hub/state/hub-state.js';
import type { UpstreamLink } from '../../../src/hub/upstream/upstream-link.js';

// The `$edgeHub` twin follower against a link whose GET the test answers by hand: the orderings the cloud can
// produce around a reconnect's GET.

const doc = (version: number, route: string) => ({ ...edgeHubDesired({ r: route }), $version: version });

function setup() {
  const tmp = tempDir('verge-ehc-');
  onTestFinished(() => tmp.cleanup());
  const state = HubState.open(join(tmp.dir, 'state.db'), () => 1000);
  onTestFinished(() => state.close());
  const table = new RouteTable(7200);
  let listener: ((patch: Record<string, unknown>, version: number | undefined) => void) | undefined;
  const gets: ((desired: Record<string, unknown>) => void)[] = [];
  const link = {
    connected: true,
    setDesiredListener: (l: typeof listener) => (listener = l),
    current: {
      getTwin: () => new Promise((resolve) => gets.push((desired) => resolve({ desired, reported: {} }))),
      patchReported: () => Promise.resolve(),
    },
  } as unknown as UpstreamLink;
  const watcher = new EdgeHubConfigWatcher({ state, table, defaultTtlSecs: 7200, applied: () => undefined, log: silentLog(), cloudTimeoutMs: 1000 });
  const patch = (version: number, route: string) => listener?.({ routes: { r: route } }, version);
  return { state, table, watcher, link, gets, patch };
}

describe('EdgeHubConfigWatcher', () => {
  it('keeps a patch that arrived while the GET was in flight when the GET answers with the older document', async () => {
    const { state, table, watcher, link, gets, patch } = setup();
    state.saveEdgeHubDesired(doc(4, 'FROM /messages/* INTO $upstream'));
    watcher.start(); // routes restored from the last run
    watcher.attach(link); // connected: a GET goes out
    expect(gets).toHaveLength(1);
    patch(5, 'FROM /messages/modules/a/* INTO $upstream'); // a new deployment, right after the start
    expect(table.current.desiredVersion).toBe(5);
    gets[0]?.(doc(4, 'FROM /messages/* INTO $upstream')); // the GET read the twin before the patch
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(table.current.desiredVersion).toBe(5);
    expect(JSON.stringify(table.current.routes)).toContain('/messages/modules/a/*');
  });

  it('still takes a GET whose version went back when no patch came meanwhile (the twin was made anew)', async () => {
    const { state, table, watcher, link, gets } = setup();
    state.saveEdgeHubDesired(doc(9, 'FROM /messages/* INTO $upstream'));
    watcher.start();
    watcher.attach(link);
    gets[0]?.(doc(2, 'FROM /messages/modules/b/* INTO $upstream'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(table.current.desiredVersion).toBe(2);
    expect(JSON.stringify(table.current.routes)).toContain('/messages/modules/b/*');
  });
});

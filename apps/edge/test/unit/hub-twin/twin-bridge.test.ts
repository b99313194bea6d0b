import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
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

function setup() {
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
});

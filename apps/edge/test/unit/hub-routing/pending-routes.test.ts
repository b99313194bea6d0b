import { describe, expect, it } from 'vitest';
import type { Message } from '@verge/contracts';
import { compileRoutes, DEFAULT_ROUTE_PRIORITY } from '@verge/core';
import { FakeClock, silentLog } from '@verge/testkit';
import { HubCounters } from '../../../src/hub/hub-counters.js';
import { PendingRoutes } from '../../../src/hub/routing/pending-routes.js';
import type { RouteSnapshot } from '../../../src/hub/routing/route-table.js';
import { createMemoryMessageStore } from '../../../src/hub/store/index.js';

const routes = compileRoutes({
  up: { route: 'FROM /messages/* INTO $upstream', priority: DEFAULT_ROUTE_PRIORITY, timeToLiveSecs: 60 },
  toB: { route: 'FROM /messages/* INTO BrokeredEndpoint("/modules/b/inputs/in1")', priority: DEFAULT_ROUTE_PRIORITY, timeToLiveSecs: 600 },
});
const fromLeaf = (body: string): Message => ({ body: Buffer.from(body), properties: {}, systemProperties: { connectionDeviceId: 'leaf1' } });

describe('PendingRoutes (messages held before the first route table)', () => {
  it('counts route TTLs from when the hub accepted a held message, not from the drain: expired deliveries are dropped', async () => {
    // Found by reading the drain: a message held 90 s got the route's full 60 s again and was still delivered.
    if (!routes.ok) throw new Error(JSON.stringify(routes.errors));
    const clock = new FakeClock();
    const store = createMemoryMessageStore({ nowMs: clock.nowMs });
    let table: RouteSnapshot = { routes: [], defaultTtlSecs: 7200, desiredVersion: undefined };
    const pending = new PendingRoutes({ store, table: () => table, stored: () => undefined, counters: new HubCounters(), log: silentLog(), ttlSecs: 7200, nowMs: clock.nowMs });
    const t0 = clock.nowMs();
    await pending.hold(fromLeaf('old'));
    await clock.advance(90_000);
    await pending.hold(fromLeaf('new'));
    table = { routes: routes.routes, defaultTtlSecs: 7200, desiredVersion: 1 };
    pending.drain();
    await pending.settled();

    const ttlOf = async (endpointId: string): Promise<Record<string, number>> => {
      const entries = (await store.read({ endpointId, priority: DEFAULT_ROUTE_PRIORITY }, 0, 10)).entries;
      return Object.fromEntries(entries.map((e) => [Buffer.from(e.message.body).toString(), e.enqueuedAtMs + e.ttlSecs * 1000 - t0]));
    };
    // Each delivery expires when it would have had it been routed on arrival (t = 0 and t = 90 s).
    expect(await ttlOf('$upstream')).toEqual({ new: 90_000 + 60_000 });
    expect(await ttlOf('/modules/b/inputs/in1')).toEqual({ old: 600_000, new: 90_000 + 600_000 });
    await store.close();
  });
});

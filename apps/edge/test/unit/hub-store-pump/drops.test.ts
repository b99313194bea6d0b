import { defaultRoutePriority } from '@verge/contracts';
import { describe, expect, it } from 'vitest';
import { createEndpointPumps, moduleOrdering, upstreamOrdering } from '../../../src/hub/endpoints/index.js';
import { FakeSender } from './fake-sender.js';
import { settle } from '@verge/testkit';
import { endpointId, pumpHarness } from './harness.js';

describe('endpoint pump: permanent failures and TTL expiry', () => {
  it('drops (checkpoints and counts) a message the endpoint refuses for good, and delivers the others in order', async () => {
    const h = pumpHarness(upstreamOrdering);
    h.sender.outcome = (body) => (body === 'huge' ? { kind: 'permanent', reason: 'message exceeds 256 KB' } : { kind: 'ok' });
    await h.append(['m1', 'huge', 'm3']);
    await settle();
    expect(h.sender.delivered).toEqual(['m1', 'm3']);
    expect(h.pump.status().priorities).toEqual([{ priority: defaultRoutePriority, sent: 2, droppedTtlExpiry: 0, droppedPermanent: 1, parked: 0 }]);
    expect((await h.store.stats()).messageCount).toBe(0);
    expect((await h.store.queues(endpointId))[0]).toMatchObject({ checkpoint: 2, length: 0 });
  });

  it('drops messages whose TTL passed while the endpoint was offline, and delivers the ones still alive', async () => {
    const h = pumpHarness(upstreamOrdering);
    h.sender.offline();
    await h.append(['short1', 'short2'], { ttlSecs: 60 });
    await h.append(['long'], { ttlSecs: 3_600 });
    await h.timers.advance(61_000 + 1_000);
    h.sender.online();
    h.pump.wake();
    await settle();
    expect(h.sender.delivered).toEqual(['long']);
    expect(h.pump.status().priorities[0]).toMatchObject({ sent: 1, droppedTtlExpiry: 2, droppedPermanent: 0 });
    expect((await h.store.stats()).messageCount).toBe(0);
  });

  it('skips and counts entries that expired before the pump read them, retiring them with a checkpoint', async () => {
    const h = pumpHarness(moduleOrdering, {}, false);
    await h.append(['old1', 'old2'], { ttlSecs: 10 });
    await h.append(['fresh'], { ttlSecs: -1 });
    await h.timers.advance(11_000);
    h.pump.start();
    await settle();
    expect(h.sender.delivered).toEqual(['fresh']);
    expect(h.pump.status().priorities[0]).toMatchObject({ sent: 1, droppedTtlExpiry: 2 });
    expect((await h.store.stats()).messageCount).toBe(0);
  });

  it('counts each expired message once when the periodic cleanup removes entries the pump is holding', async () => {
    const h = pumpHarness(upstreamOrdering, {}, false);
    const pumps = createEndpointPumps({ store: h.store, clock: h.timers, cleanupIntervalMs: 30_000, pumpDefaults: { random: () => 0.5 } });
    const sender = new FakeSender(h.timers.nowMs);
    sender.offline();
    pumps.add(endpointId, sender, upstreamOrdering);
    await h.append(['a', 'b', 'c'], { ttlSecs: 20 });
    pumps.notify([endpointId]);
    await h.append(['unread'], { ttlSecs: 20, priority: 3 });
    sender.hold();
    await h.timers.advance(31_000);
    expect((await h.store.stats()).messageCount).toBe(0);
    sender.online();
    sender.release();
    pumps.wake(endpointId);
    await h.timers.advance(1_000);
    const counted = pumps.status()[0]!.priorities.reduce((n, p) => n + p.droppedTtlExpiry, 0);
    expect(counted).toBe(4);
    expect(sender.delivered).toEqual([]);
    await pumps.stop();
  });

  it('attributes expired entries of endpoints without a pump to unpumpedExpired', async () => {
    const h = pumpHarness(moduleOrdering, {}, false);
    const pumps = createEndpointPumps({ store: h.store, clock: h.timers });
    await h.store.append({ body: new Uint8Array(1), properties: {}, systemProperties: {} }, [{ endpointId: 'gone', priority: 0, ttlSecs: 1 }]);
    await h.timers.advance(2_000);
    await pumps.cleanup();
    expect(pumps.unpumpedExpired).toBe(1);
    await pumps.stop();
  });

  it('refuses a second pump for the same endpoint with HUB_PUMP_DUPLICATE', async () => {
    const h = pumpHarness(moduleOrdering, {}, false);
    const pumps = createEndpointPumps({ store: h.store, clock: h.timers });
    pumps.add('e1', h.sender, moduleOrdering);
    expect(() => pumps.add('e1', h.sender, moduleOrdering)).toThrow(
      expect.objectContaining({ code: 'HUB_PUMP_DUPLICATE', message: 'endpoint "e1" already has a delivery pump: remove it before adding another' }),
    );
    await pumps.remove('e1');
    expect(pumps.get('e1')).toBeUndefined();
    await pumps.stop();
  });
});

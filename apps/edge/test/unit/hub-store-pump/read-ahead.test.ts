import { describe, expect, it } from 'vitest';
import { settle } from '@verge/testkit';
import { moduleInputOrdering } from '../../../src/hub/endpoints/index.js';
import { endpointId, pumpHarness } from './harness.js';

const bodies = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

describe('endpoint pump: in-order endpoints read the next batch ahead (issue 8)', () => {
  it('hands the next batches to the sender while the first waits for acknowledgements, never more than three, in order', async () => {
    const h = pumpHarness(moduleInputOrdering, { readBatchSize: 3 });
    h.sender.hold();
    await h.append(bodies(0, 11));
    await settle();
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([bodies(0, 3), bodies(3, 6), bodies(6, 9)]);
    const [queue] = await h.store.queues(endpointId);
    expect(queue?.checkpoint).toBe(-1); // nothing retired before its acknowledgement
    h.sender.release();
    await settle(50);
    h.sender.release();
    await settle(50);
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([bodies(0, 3), bodies(3, 6), bodies(6, 9), bodies(9, 11)]);
    expect(h.sender.delivered).toEqual(bodies(0, 11));
    expect((await h.store.stats()).messageCount).toBe(0);
  });

  it('reads ahead messages appended while a batch waits, so they do not wait for its acknowledgements', async () => {
    const h = pumpHarness(moduleInputOrdering, { readBatchSize: 100 });
    h.sender.hold();
    await h.append(['a0', 'a1']);
    await settle();
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([['a0', 'a1']]);
    await h.append(['b0']);
    await settle();
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([['a0', 'a1'], ['b0']]);
    h.sender.release();
    await settle(50);
    expect(h.sender.delivered).toEqual(['a0', 'a1', 'b0']);
  });

  it('forgets the batch read ahead when an earlier one fails, and resends from the failure in order', async () => {
    const h = pumpHarness(moduleInputOrdering, { readBatchSize: 3 });
    h.sender.hold();
    h.sender.outcome = (b) => (b === 'm1' ? { kind: 'retryable', reason: 'module gone' } : { kind: 'ok' });
    await h.append(bodies(0, 6));
    await settle();
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([bodies(0, 3), bodies(3, 6)]);
    h.sender.release(); // m0 ok, m1 fails: m3..m5 were "delivered" by the read-ahead call but are not retired
    await settle(50);
    const [queue] = await h.store.queues(endpointId);
    expect(queue?.checkpoint).toBe(0);
    expect(h.pump.status().state).toBe('backoff');
    h.sender.online();
    await h.timers.advance(h.timers.nextTimerMs()!);
    await settle(50);
    // The failed batch's rest is tried once at once (still failing), then after the backoff; the read-ahead batch
    // comes again behind it: in order from the failed message.
    expect(h.sender.calls.slice(2).map((c) => c.bodies)).toEqual([bodies(1, 3), bodies(1, 3), bodies(3, 6)]);
    expect((await h.store.stats()).messageCount).toBe(0);
  });
});

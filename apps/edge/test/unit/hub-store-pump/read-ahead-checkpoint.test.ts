import { describe, expect, it } from 'vitest';
import { VergeError, type MessageStore } from '@verge/contracts';
import { settle } from '@verge/testkit';
import { moduleInputOrdering } from '../../../src/hub/endpoints/index.js';
import { endpointId, pumpHarness } from './harness.js';

const bodies = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

/** Replaces the store's `checkpoint` with one the test holds or fails. */
function gatedCheckpoints(store: MessageStore) {
  const original = store.checkpoint.bind(store);
  const held: (() => void)[] = [];
  const gate = { hold: false, failNext: 0 };
  const checkpoint: MessageStore['checkpoint'] = async (q, o) => {
    if (gate.failNext > 0) {
      gate.failNext -= 1;
      throw new VergeError('HUB_STORE_WRITE_FAILED', 'SQLITE_FULL: database or disk is full');
    }
    if (gate.hold) await new Promise<void>((resolve) => held.push(resolve));
    return original(q, o);
  };
  (store as { checkpoint: MessageStore['checkpoint'] }).checkpoint = checkpoint;
  return { gate, release: () => held.splice(0).forEach((go) => go()) };
}

describe('endpoint pump, in-order endpoints: checkpoints behind the sliding window (issue 8)', () => {
  it('keeps handing batches to the sender while a checkpoint is under way, and retires in order after the acknowledgements', async () => {
    const h = pumpHarness(moduleInputOrdering, { readBatchSize: 3 }, false);
    const g = gatedCheckpoints(h.store);
    g.gate.hold = true;
    await h.append(bodies(0, 12));
    h.pump.start();
    await settle(50);
    // m0..m2 acknowledged, their checkpoint is held: m9..m11 were read and handed over meanwhile.
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([bodies(0, 3), bodies(3, 6), bodies(6, 9), bodies(9, 12)]);
    expect((await h.store.queues(endpointId))[0]?.checkpoint).toBe(-1);
    g.gate.hold = false;
    g.release();
    await settle(50);
    expect((await h.store.queues(endpointId))[0]?.checkpoint).toBe(11);
    expect(h.sender.delivered).toEqual(bodies(0, 12));
  });

  it('after a failed checkpoint retries only the checkpoint: no acknowledged batch is sent again', async () => {
    const h = pumpHarness(moduleInputOrdering, { readBatchSize: 3 }, false);
    const g = gatedCheckpoints(h.store);
    g.gate.failNext = 1;
    h.sender.hold();
    await h.append(bodies(0, 6));
    h.pump.start();
    await settle(50);
    h.sender.release(); // both batches acknowledged; the first one's checkpoint fails
    await settle(50);
    expect(h.pump.status().state).toBe('backoff');
    await h.timers.advance(h.timers.nextTimerMs()!);
    await settle(50);
    expect((await h.store.queues(endpointId))[0]?.checkpoint).toBe(5);
    expect(h.sender.delivered).toEqual(bodies(0, 6));
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([bodies(0, 3), bodies(3, 6)]);
  });
});

import { describe, expect, it } from 'vitest';
import { moduleOrdering, upstreamOrdering } from '../../../src/hub/endpoints/index.js';
import { settle } from '@verge/testkit';
import { endpointId, pumpHarness } from './harness.js';

describe('endpoint pump: strict priority and ordering', () => {
  it('drains the highest priority first, one priority per batch, then lower ones', async () => {
    const h = pumpHarness(moduleOrdering, {}, false);
    await h.append(['low1', 'low2']);
    await h.append(['p5-a'], { priority: 5 });
    await h.append(['p0-a', 'p0-b'], { priority: 0 });
    h.pump.start();
    await settle();
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([['p0-a'], ['p0-b'], ['p5-a'], ['low1'], ['low2']]);
    expect(h.pump.status().priorities.map((p) => [p.priority, p.sent])).toEqual([
      [0, 2],
      [5, 1],
      [2_000_000_000, 2],
    ]);
    expect((await h.store.stats()).messageCount).toBe(0);
  });

  it('restarts from the highest priority after every batch: a new urgent message overtakes the rest of a low queue', async () => {
    const h = pumpHarness(upstreamOrdering, { readBatchSize: 2 }, false);
    await h.append(['low1', 'low2', 'low3', 'low4']);
    h.sender.hold();
    h.pump.start();
    await settle();
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([['low1', 'low2']]);
    await h.append(['urgent'], { priority: 0 });
    h.sender.release();
    await settle();
    h.sender.release();
    await settle();
    h.sender.release();
    await settle();
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([['low1', 'low2'], ['urgent'], ['low3', 'low4']]);
  });

  it('never mixes priorities in one send call', async () => {
    const h = pumpHarness(upstreamOrdering, {}, false);
    for (let i = 0; i < 5; i++) {
      await h.append([`a${i}`], { priority: 1 });
      await h.append([`b${i}`], { priority: 2 });
    }
    h.pump.start();
    await settle();
    expect(h.sender.calls.map((c) => new Set(c.priorities).size)).toEqual([1, 1]);
    expect(h.sender.delivered).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4']);
  });

  it('upstream: groups a batch by sender identity, at most maxBatchSize per call, in queue order per sender', async () => {
    const h = pumpHarness({ ...upstreamOrdering, maxBatchSize: 10 }, {}, false);
    for (let i = 0; i < 12; i++) await h.append([`A${i}`], { from: 'devA/m1' });
    await h.append(['B0'], { from: 'devB' });
    await h.append(['A12'], { from: 'devA/m1' });
    h.pump.start();
    await settle();
    const calls = h.sender.calls.map((c) => c.bodies);
    expect(calls).toContainEqual(['A0', 'A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8', 'A9']);
    expect(calls).toContainEqual(['A10', 'A11', 'A12']);
    expect(calls).toContainEqual(['B0']);
    expect(calls).toHaveLength(3);
  });

  it('upstream: a call takes a whole read batch of one sender (issue 8: fewer cloud round trips per message)', async () => {
    const h = pumpHarness(upstreamOrdering, {}, false);
    for (let i = 0; i < 40; i++) await h.append([`A${i}`], { from: 'devA/m1' });
    h.pump.start();
    await settle();
    expect(h.sender.calls.map((c) => c.bodies.length)).toEqual([40]);
  });

  it('upstream: reads 400 per batch, so four interleaved senders get calls of 100, not of 25 (issue 8)', async () => {
    const h = pumpHarness(upstreamOrdering, {}, false);
    for (let i = 0; i < 100; i++) for (const s of ['A', 'B', 'C', 'D']) await h.append([`${s}${i}`], { from: `dev${s}` });
    h.pump.start();
    await settle();
    expect(h.sender.calls.map((c) => c.bodies.length)).toEqual([100, 100, 100, 100]);
    expect(h.sender.calls.map((c) => c.bodies[0])).toEqual(['A0', 'B0', 'C0', 'D0']);
  });

  it('upstream: the pump option readBatchSize still wins over the ordering\'s', async () => {
    const h = pumpHarness(upstreamOrdering, { readBatchSize: 8 }, false);
    for (let i = 0; i < 4; i++) for (const s of ['A', 'B']) await h.append([`${s}${i}`], { from: `dev${s}` });
    for (const s of ['A', 'B']) await h.append([`${s}4`], { from: `dev${s}` });
    h.pump.start();
    await settle();
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([['A0', 'A1', 'A2', 'A3'], ['B0', 'B1', 'B2', 'B3'], ['A4'], ['B4']]);
  });

  it('upstream: a failing sender waits for its retry while other senders go on; nothing overtakes inside a sender', async () => {
    const h = pumpHarness(upstreamOrdering, {}, false);
    for (const b of ['A1', 'B1', 'A2', 'B2', 'A3']) await h.append([b], { from: b.startsWith('A') ? 'devA' : 'devB' });
    let failA2 = true;
    h.sender.outcome = (body) => (body === 'A2' && failA2 ? { kind: 'retryable', reason: 'throttled' } : { kind: 'ok' });
    h.pump.start();
    await settle();
    expect(h.sender.delivered).toEqual(['A1', 'B1', 'B2']);
    // A1 is done, A2 failed: the checkpoint stops before A2 (offset 2) although B2 (offset 3) is delivered.
    expect((await h.store.queues(endpointId))[0]).toMatchObject({ checkpoint: 1, length: 3 });
    failA2 = false;
    await h.timers.advance(1_000);
    expect(h.sender.calls.at(-1)!.bodies).toEqual(['A2', 'A3']);
    expect(h.sender.delivered).toEqual(['A1', 'B1', 'B2', 'A2', 'A3']);
    expect((await h.store.stats()).messageCount).toBe(0);
  });

  it('module endpoints: one message per call, in order; a failure blocks the ones behind it until it succeeds', async () => {
    const h = pumpHarness(moduleOrdering, {}, false);
    await h.append(['m1', 'm2', 'm3']);
    let failures = 2;
    h.sender.outcome = (body) => (body === 'm2' && failures-- > 0 ? { kind: 'retryable', reason: 'module busy' } : { kind: 'ok' });
    h.pump.start();
    await settle();
    await h.timers.advance(1_000);
    await h.timers.advance(2_000);
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([['m1'], ['m2'], ['m2'], ['m2'], ['m3']]);
    expect(h.sender.delivered).toEqual(['m1', 'm2', 'm3']);
  });

  it('picks up new messages when notified, without waiting for the idle re-check', async () => {
    const h = pumpHarness(moduleOrdering);
    await settle();
    expect(h.pump.status().state).toBe('idle');
    await h.append(['late']);
    await settle();
    expect(h.sender.delivered).toEqual(['late']);
  });

  it('finds messages it was not told about at the idle re-check', async () => {
    const h = pumpHarness(moduleOrdering, { idleRecheckMs: 5_000 });
    await settle();
    await h.store.append({ body: new TextEncoder().encode('silent'), properties: {}, systemProperties: {} }, [{ endpointId, priority: 0, ttlSecs: -1 }]);
    await settle();
    expect(h.sender.delivered).toEqual([]);
    await h.timers.advance(5_000);
    expect(h.sender.delivered).toEqual(['silent']);
  });
});

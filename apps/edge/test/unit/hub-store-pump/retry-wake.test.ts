import { describe, expect, it } from 'vitest';
import { backoffDelayMs, RECONNECT_BACKOFF } from '@verge/core';
import { moduleOrdering, upstreamOrdering, type EndpointSender } from '../../../src/hub/endpoints/index.js';
import { settle } from '@verge/testkit';
import { pumpHarness } from './harness.js';

describe('endpoint pump: retry with backoff, wake on reconnect', () => {
  it.each([
    [0, 0.5, 1_000],
    [1, 0.5, 2_000],
    [2, 0.5, 4_000],
    [5, 0.5, 32_000],
    [6, 0.5, 60_000],
    [40, 0.5, 60_000],
    [1, 0, 1_600],
    [1, 0.999_999, 2_400],
    [3, 0, 6_400],
    [6, 0.999_999, 60_000],
  ])('retry %i with random %d waits %i ms (1 s → 60 s ± 20 %%, never above 60 s)', (attempt, random, ms) => {
    expect(backoffDelayMs(attempt + 1, RECONNECT_BACKOFF, random)).toBe(ms);
  });

  it('retries an offline endpoint after 1, 2, 4, 8, 16, 32, 60, 60 s and counts the retries', async () => {
    const h = pumpHarness(upstreamOrdering);
    h.sender.offline();
    await h.append(['m1']);
    await settle();
    const start = h.timers.now;
    for (let i = 0; i < 8; i++) await h.timers.advance(h.timers.nextTimerMs()!);
    const gaps = h.sender.calls.map((c, i, all) => c.atMs - (i === 0 ? start : all[i - 1]!.atMs));
    expect(gaps).toEqual([0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    const s = h.pump.status();
    expect(s).toMatchObject({ state: 'backoff', retries: 9, lastError: 'endpoint offline', nextRetryAtMs: h.timers.now + 60_000 });
    expect(h.sender.delivered).toEqual([]);
    expect((await h.store.stats()).messageCount).toBe(1);
  });

  it('reports the failure itself as its last error, not that the messages behind it were not attempted', async () => {
    // Found offline with parked leaf messages: `verge edge dead-letters` showed "not attempted: an earlier message of
    // the same sender failed" as lastError, the outcome of the last chunk, instead of why the first one failed.
    const h = pumpHarness({ ...upstreamOrdering, maxBatchSize: 2 });
    h.sender.offline();
    await h.append(['m1', 'm2', 'm3', 'm4', 'm5']);
    await settle();
    expect(h.sender.calls.map((c) => c.bodies)).toEqual([['m1', 'm2']]);
    expect(h.pump.status()).toMatchObject({ state: 'backoff', lastError: 'endpoint offline' });
  });

  it('drains at once when woken after a long backoff: no wait for the 60 s timer (iotedge PR #7528)', async () => {
    const h = pumpHarness(upstreamOrdering);
    h.sender.offline();
    await h.append(Array.from({ length: 500 }, (_, i) => `m${i}`));
    await settle();
    for (let i = 0; i < 7; i++) await h.timers.advance(h.timers.nextTimerMs()!);
    expect(h.timers.nextTimerMs()).toBe(60_000);
    const before = h.timers.now;
    h.sender.online();
    h.pump.wake();
    await settle(200);
    expect(h.timers.now).toBe(before);
    expect(h.sender.delivered).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
    expect((await h.store.stats()).messageCount).toBe(0);
    expect(h.pump.status().state).toBe('idle');
  });

  it('resets the backoff on wake: a failure right after reconnect waits 1 s again', async () => {
    const h = pumpHarness(moduleOrdering);
    h.sender.offline();
    await h.append(['m1']);
    await settle();
    for (let i = 0; i < 5; i++) await h.timers.advance(h.timers.nextTimerMs()!);
    h.pump.wake();
    await settle();
    expect(h.timers.nextTimerMs()).toBe(1_000);
  });

  it('retries at once when the endpoint came back while a send was failing', async () => {
    const h = pumpHarness(moduleOrdering);
    let calls = 0;
    h.sender.outcome = () => (calls++ === 0 ? { kind: 'retryable', reason: 'connection lost' } : { kind: 'ok' });
    h.sender.hold();
    await h.append(['m1']);
    await settle();
    expect(h.sender.calls).toHaveLength(1);
    h.pump.wake();
    h.sender.release();
    await settle();
    expect(h.sender.calls).toHaveLength(2);
    expect(h.sender.delivered).toEqual(['m1']);
  });

  it('treats a send that takes longer than the timeout as a retryable failure', async () => {
    const h = pumpHarness(moduleOrdering, { sendTimeoutMs: 30_000 });
    h.sender.hold();
    await h.append(['slow']);
    await h.timers.advance(30_000);
    expect(h.pump.status()).toMatchObject({ state: 'backoff', lastError: 'send timed out after 30000 ms' });
    h.sender.release();
    await h.timers.advance(1_000);
    expect(h.sender.calls).toHaveLength(2);
    expect(h.sender.delivered).toEqual(['slow']);
  });

  it('treats a sender that throws, or answers for the wrong number of messages, as a retryable failure', async () => {
    let mode: 'throw' | 'short' | 'ok' = 'throw';
    const delivered: string[] = [];
    const sender: EndpointSender = {
      send: (messages) => {
        if (mode === 'throw') return Promise.reject(new Error('socket hang up'));
        if (mode === 'short') return Promise.resolve({ outcomes: [] });
        delivered.push(...messages.map((m) => new TextDecoder().decode(m.message.body)));
        return Promise.resolve({ outcomes: messages.map(() => ({ kind: 'ok' as const })) });
      },
    };
    const h = pumpHarness(moduleOrdering, { sender });
    await h.append(['x']);
    await settle();
    expect(h.pump.status().lastError).toBe('socket hang up');
    mode = 'short';
    await h.timers.advance(1_000);
    expect(h.pump.status().lastError).toBe('the endpoint sender returned 0 outcomes for 1 messages');
    mode = 'ok';
    await h.timers.advance(2_000);
    expect(delivered).toEqual(['x']);
  });

  it('stop aborts an in-flight send and keeps the message stored', async () => {
    const h = pumpHarness(moduleOrdering);
    h.sender.hold();
    await h.append(['m1']);
    await settle();
    await h.pump.stop();
    expect(h.pump.status().state).toBe('stopped');
    expect((await h.store.stats()).messageCount).toBe(1);
    h.sender.release();
  });
});

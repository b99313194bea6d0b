import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock/index.js';

describe('FakeClock', () => {
  it('stands still and fires timers only inside advance, in time order', async () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.nowMs()}`), 20);
    clock.setTimer(() => fired.push(`a@${clock.nowMs()}`), 10);
    expect(clock.pendingTimers).toBe(2);
    expect(clock.nextTimerMs()).toBe(10);
    expect(fired).toEqual([]);
    await clock.advance(15);
    expect(fired).toEqual(['a@1010']);
    expect(clock.nowMs()).toBe(1015);
    await clock.advance(100);
    expect(fired).toEqual(['a@1010', 'b@1020']);
    expect(clock.nowMs()).toBe(1115);
    expect(clock.nextTimerMs()).toBeUndefined();
  });

  it('fires a timer set by code a timer woke (after an await), when it is due within the same advance', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const backoff = (delayMs: number): void => {
      clock.setTimer(() => {
        fired.push(clock.nowMs());
        void Promise.resolve().then(() => backoff(delayMs * 2));
      }, delayMs);
    };
    backoff(10);
    await clock.advance(75);
    expect(fired).toEqual([10, 30, 70]);
  });

  it('cancels a timer, and a clock jump fires nothing', async () => {
    const clock = new FakeClock(0);
    let fired = 0;
    const cancel = clock.setTimer(() => (fired += 1), 5);
    cancel();
    clock.now = 10_000;
    await clock.advance(10);
    expect(fired).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

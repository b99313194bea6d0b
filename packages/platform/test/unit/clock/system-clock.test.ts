import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/index.js';

describe('systemClock', () => {
  it('reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock.nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('fires a timer once, and a cancelled timer never', async () => {
    const fired: string[] = [];
    const cancel = systemClock.setTimer(() => fired.push('cancelled'), 0);
    cancel();
    await new Promise<void>((resolve) => systemClock.setTimer(() => resolve(void fired.push('fired')), -5));
    expect(fired).toEqual(['fired']);
  });

  it('clamps a delay beyond what Node timers hold instead of firing at once', async () => {
    let fired = false;
    const cancel = systemClock.setTimer(() => (fired = true), 2 ** 40);
    await new Promise<void>((resolve) => systemClock.setTimer(resolve, 5));
    expect(fired).toBe(false);
    cancel();
  });
});

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock, advanceUntil, advanceUntilSettled } from '../../../src/clock/index.js';
import { tempDir } from '../../../src/host/index.js';

describe('advanceUntil', () => {
  it('moves fake time step by step, with real I/O between the steps, until the check holds', async () => {
    const clock = new FakeClock(0);
    const tmp = tempDir('verge-advance-');
    const file = join(tmp.dir, 'tick');
    let written = 0;
    // Each fake second a real file write, whose completion arms the next second's timer.
    const tick = (): void => {
      clock.setTimer(() => void writeFile(file, String(++written)).then(tick), 1_000);
    };
    tick();
    await advanceUntil(clock, async () => written >= 3 && (await readFile(file, 'utf8')) === '3', { stepMs: 100 });
    expect(clock.now).toBeGreaterThanOrEqual(3_000);
    expect(clock.now).toBeLessThan(4_000);
    tmp.cleanup();
  });

  it('fails naming what never happened', async () => {
    const clock = new FakeClock(0);
    await expect(advanceUntil(clock, () => false, { timeoutMs: 50, description: 'the module to start' })).rejects.toThrow(
      /timed out after 50 ms waiting for the module to start \(fake time moving 10 ms a step\)/,
    );
    expect(clock.now).toBeGreaterThan(0);
  });
});

describe('advanceUntilSettled', () => {
  it('resolves with the outcome of a promise that waits on fake timers', async () => {
    const clock = new FakeClock(0);
    const late = new Promise<string>((resolve) => clock.setTimer(() => resolve('done'), 250));
    await expect(advanceUntilSettled(clock, late)).resolves.toBe('done');
    const refused = new Promise<never>((_resolve, reject) => clock.setTimer(() => reject(new Error('refused')), 50));
    await expect(advanceUntilSettled(clock, refused)).rejects.toThrow('refused');
  });
});

import { VergeError } from '@verge/contracts';
import { backoffDelayMs, CONFLICT_RETRY_BACKOFF } from '@verge/core';
import { FakeClock, settle } from '@verge/testkit';
import { describe, expect, it } from 'vitest';
import { retryOnConflict, storeConflict } from '../../../src/store/ports.js';

/** An attempt that loses the race `conflicts` times, then returns 'written'; counts its calls. */
function losingAttempt(conflicts: number, error: () => Error = () => storeConflict('twin of d1', { ifEtag: 'e1' })) {
  const calls = { n: 0 };
  const attempt = async (): Promise<string> => {
    calls.n += 1;
    if (calls.n <= conflicts) throw error();
    return 'written';
  };
  return { attempt, calls };
}

describe('retryOnConflict', () => {
  it('waits between attempts as CONFLICT_RETRY_BACKOFF says, on the clock it is given, and returns what the winning attempt returns', async () => {
    const clock = new FakeClock();
    const { attempt, calls } = losingAttempt(3);
    const result = retryOnConflict(attempt, { clock, random: () => 0.5 });
    const waits: (number | undefined)[] = [];
    for (let retry = 1; retry <= 3; retry++) {
      await settle();
      expect(calls.n).toBe(retry);
      waits.push(clock.nextTimerMs());
      await clock.advance(clock.nextTimerMs() ?? 0);
    }
    await expect(result).resolves.toBe('written');
    expect(calls.n).toBe(4);
    // random 0.5 means no jitter: 2, 4, 8 ms.
    expect(waits).toEqual([1, 2, 3].map((i) => backoffDelayMs(i, CONFLICT_RETRY_BACKOFF, 0.5)));
    expect(waits).toEqual([2, 4, 8]);
  });

  it('spreads writers that collided: the wait follows each one’s random draw', async () => {
    const firstWait = async (draw: number): Promise<number | undefined> => {
      const clock = new FakeClock();
      void retryOnConflict(losingAttempt(1).attempt, { clock, random: () => draw });
      await settle();
      return clock.nextTimerMs();
    };
    const early = await firstWait(0.05);
    const late = await firstWait(0.95);
    expect(early).toBeLessThan(late ?? 0);
    expect(late).toBeLessThanOrEqual(CONFLICT_RETRY_BACKOFF.maxMs);
  });

  it('gives up after `attempts` and passes the last conflict through', async () => {
    const clock = new FakeClock();
    const { attempt, calls } = losingAttempt(Number.POSITIVE_INFINITY);
    const result = retryOnConflict(attempt, { attempts: 3, clock, random: () => 0.5 });
    const outcome = result.then(
      () => undefined,
      (e: unknown) => e,
    );
    while (calls.n < 3) await clock.advance(clock.nextTimerMs() ?? 1);
    const error = await outcome;
    expect(error).toBeInstanceOf(VergeError);
    expect((error as VergeError).code).toBe('CLD_STORE_CONFLICT');
    expect(calls.n).toBe(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('passes any other error through at once, without waiting or retrying', async () => {
    const clock = new FakeClock();
    const { attempt, calls } = losingAttempt(1, () => new VergeError('CLD_DEVICE_NOT_FOUND', 'device d1 not found'));
    await expect(retryOnConflict(attempt, { clock })).rejects.toMatchObject({ code: 'CLD_DEVICE_NOT_FOUND' });
    expect(calls.n).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });
});

import { eventually } from '../wait/eventually.js';
import type { FakeClock } from './fake-clock.js';

/** Options of {@link advanceUntil}. */
export interface AdvanceUntilOptions {
  /** Fake time moved between two checks (default 10 ms). */
  readonly stepMs?: number;
  /** Give up after this much real time (default 10 s). */
  readonly timeoutMs?: number;
  /** What the test waits for, named in the failure. */
  readonly description?: string;
}

/**
 * Waits for `check` while fake time passes, for code that mixes `FakeClock` timers with real I/O (files, sockets):
 * between two checks it moves `clock` by `stepMs` (firing due timers and letting what they wake run) and gives real
 * I/O a turn (`eventually`'s poll). Fails naming `description` when `check` still does not hold after `timeoutMs`.
 */
export async function advanceUntil(clock: FakeClock, check: () => boolean | Promise<boolean>, options: AdvanceUntilOptions = {}): Promise<void> {
  const { stepMs = 10, timeoutMs = 10_000, description = 'the condition' } = options;
  await eventually(
    async () => {
      if (await check()) return true;
      await clock.advance(stepMs);
      return false;
    },
    { intervalMs: 1, timeoutMs, description: `${description} (fake time moving ${stepMs} ms a step)` },
  );
}

/** `promise`'s outcome once it settles, moving `clock` as {@link advanceUntil} does until then (a stop that waits on fake timers). */
export async function advanceUntilSettled<T>(clock: FakeClock, promise: Promise<T>, options: AdvanceUntilOptions = {}): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await advanceUntil(clock, () => settled, { description: 'the promise to settle', ...options });
  return promise;
}

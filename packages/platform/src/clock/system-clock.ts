import type { Clock } from '@verge/contracts';

/** Node's timers accept at most 2^31 − 1 ms; a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock: `Date.now()` and unref'd Node timers (they never keep the process alive). */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

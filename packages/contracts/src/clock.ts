/**
 * Time as every service sees it: the one clock interface of Verge, injected so tests drive time by hand (the
 * fake clock of `@verge/testkit`). The real clock is `systemClock` in `@verge/platform`. Pure code (`@verge/core`)
 * takes no clock: it receives `nowMs` as an argument.
 */
export interface Clock {
  /** Wall-clock time in epoch milliseconds. */
  nowMs(): number;
  /**
   * Calls `fn` once after `ms` (negative counts as 0); returns a function that cancels it (a no-op once fired).
   * The real clock's timers do not keep the process alive: whoever starts a service owns its lifetime.
   */
  setTimer(fn: () => void, ms: number): () => void;
}

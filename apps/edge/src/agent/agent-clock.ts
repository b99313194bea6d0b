/** Time as the agent sees it: injected so that the loop, the reporter and the twin source run on a fake clock in tests. */
export interface AgentClock {
  nowMs(): number;
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** The real clock (timers do not keep the process alive: the composition root owns its lifetime). */
export const systemClock: AgentClock = {
  nowMs: () => Date.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

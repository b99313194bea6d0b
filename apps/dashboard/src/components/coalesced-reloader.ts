import type { Clock } from '@verge/contracts';

const browserTimers: Pick<Clock, 'nowMs' | 'setTimer'> = {
  nowMs: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

/**
 * Runs `load` when asked, coalescing: never two at once, starts at least `gapMs` apart, and any number of requests
 * while one runs or waits become one more run (the last request is always followed by a run that starts after it).
 */
export class CoalescedReloader {
  private running = false;
  private pending = false;
  private stopped = false;
  private lastStartMs = Number.NEGATIVE_INFINITY;
  private cancelTimer: (() => void) | undefined;

  constructor(
    private readonly load: () => Promise<void>,
    private readonly gapMs: number,
    private readonly timers: Pick<Clock, 'nowMs' | 'setTimer'> = browserTimers,
  ) {}

  request(): void {
    if (this.stopped) return;
    this.pending = true;
    if (this.running || this.cancelTimer !== undefined) return;
    const waitMs = this.lastStartMs + this.gapMs - this.timers.nowMs();
    if (waitMs <= 0) return this.start();
    this.cancelTimer = this.timers.setTimer(() => {
      this.cancelTimer = undefined;
      this.start();
    }, waitMs);
  }

  /** No run starts after this (one already running finishes). */
  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private start(): void {
    if (this.stopped) return;
    this.pending = false;
    this.running = true;
    this.lastStartMs = this.timers.nowMs();
    void this.load()
      .catch(() => undefined)
      .finally(() => {
        this.running = false;
        if (this.pending) this.request();
      });
  }
}

import type { Clock } from '@verge/contracts';

interface PendingTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** Lets promise chains and I/O callbacks woken by a timer run to their next wait (a few turns of the event loop). */
export async function settle(turns = 30): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * The one fake {@link Clock} of the tests: time stands still until the test moves it, and timers fire only inside
 * `advance`, in time order, each followed by a few event-loop turns so the code it wakes runs to its next wait.
 */
export class FakeClock implements Clock {
  private timers: PendingTimer[] = [];
  private seq = 0;

  /** Wall-clock time in epoch ms; assign it for a clock jump (forward or back) that fires no timer. */
  constructor(public now = 1_700_000_000_000) {}

  /** A bound function: pass `clock.nowMs` where a `() => number` is wanted. */
  readonly nowMs = (): number => this.now;

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { id: ++this.seq, at: this.now + Math.max(0, ms), fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing due timers (and those they set, when due) in time order. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    await settle();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.at > end) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.now = Math.max(this.now, next.at);
      next.fn();
      await settle();
    }
    this.now = end;
    await settle();
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Delay from now to the earliest pending timer (0 when overdue), or undefined when none is pending. */
  nextTimerMs(): number | undefined {
    const next = this.earliest();
    return next === undefined ? undefined : Math.max(0, next.at - this.now);
  }

  private earliest(): PendingTimer | undefined {
    return [...this.timers].sort((a, b) => a.at - b.at || a.id - b.id)[0];
  }
}

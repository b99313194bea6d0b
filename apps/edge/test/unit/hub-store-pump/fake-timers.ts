import type { PumpTimers } from '../../../src/hub/endpoints/index.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** Lets promise chains (store reads, sender calls) run to their next timer wait. */
export async function settle(turns = 30): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Hand-driven time for pumps: timers fire only inside `advance`. */
export class FakeTimers implements PumpTimers {
  now = 1_700_000_000_000;
  private timers: Timer[] = [];
  private seq = 0;

  readonly nowMs = (): number => this.now;

  setTimeout(fn: () => void, ms: number): unknown {
    const t = { id: ++this.seq, at: this.now + Math.max(0, ms), fn };
    this.timers.push(t);
    return t.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Moves time forward by `ms`, firing due timers in order and letting the code they wake run after each. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
      await settle();
    }
    this.now = target;
    await settle();
  }

  /** Delay of the earliest pending timer from now (undefined when none). */
  nextDelay(): number | undefined {
    const next = [...this.timers].sort((a, b) => a.at - b.at)[0];
    return next === undefined ? undefined : next.at - this.now;
  }
}

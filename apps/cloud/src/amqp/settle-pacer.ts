/**
 * Applies delivery outcomes (accept, reject) one per event-loop turn. rhea (1.0.24) writes the outcomes settled in
 * one turn as ranged dispositions and merges the first two of a run whatever their outcomes (`write_dispositions`
 * compares outcomes only once a range holds two deliveries): a message accepted right after one rejected was
 * reported rejected with the other's error, and a second rejection carried the first one's text. One outcome per
 * turn gives each delivery its own disposition frame. Only service C2D sends pass here, at far below the rate where
 * a turn per message matters.
 */
export class SettlePacer {
  private readonly queue: (() => void)[] = [];
  private scheduled = false;

  settle(apply: () => void): void {
    this.queue.push(apply);
    if (!this.scheduled) this.schedule();
  }

  private schedule(): void {
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.queue.shift()?.();
      if (this.queue.length > 0) this.schedule();
    });
  }
}

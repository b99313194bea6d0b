import type { Clock } from '@verge/contracts';

/** Why a pump's wait ended. */
export type WaitEnd = 'timeout' | 'notify' | 'wake' | 'stop';

/**
 * The waits of a pump and the signals that end them. `notify` (new messages) ends an idle wait; `wake` (the endpoint
 * is back) ends an idle or a backoff wait; `stop` ends any. A signal that arrives while the pump is not waiting is
 * remembered, so the next wait returns at once instead of losing it.
 */
export class PumpSignals {
  private waiter: { readonly kind: 'idle' | 'backoff'; readonly end: (why: WaitEnd) => void } | undefined;
  private notified = false;
  private woken = false;
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  /** New messages may be waiting. */
  notify(): void {
    if (this.waiter?.kind === 'idle') this.waiter.end('notify');
    else this.notified = true;
  }

  /** The endpoint is reachable again: stop backing off. */
  wake(): void {
    if (this.waiter !== undefined) this.waiter.end('wake');
    else this.woken = true;
  }

  /** Ends every wait for good. */
  stop(): void {
    this.stopped = true;
    this.waiter?.end('stop');
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Returns and clears whether `wake` was called while nobody waited. */
  takeWoken(): boolean {
    const w = this.woken;
    this.woken = false;
    return w;
  }

  /** Forgets a `notify` that arrived before a fresh look at the queues (which sees those messages anyway). */
  clearNotified(): void {
    this.notified = false;
  }

  /** Waits `ms`, or less if a signal of the right kind comes (or came while nobody waited). */
  wait(kind: 'idle' | 'backoff', ms: number): Promise<WaitEnd> {
    if (this.stopped) return Promise.resolve('stop');
    if (this.takeWoken()) return Promise.resolve('wake');
    if (kind === 'idle' && this.notified) {
      this.notified = false;
      return Promise.resolve('notify');
    }
    return new Promise<WaitEnd>((resolve) => {
      const cancel = this.clock.setTimer(() => end('timeout'), ms);
      const end = (why: WaitEnd): void => {
        if (this.waiter?.end !== end) return;
        this.waiter = undefined;
        cancel();
        resolve(why);
      };
      this.waiter = { kind, end };
    });
  }
}

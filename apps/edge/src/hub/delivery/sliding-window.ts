import type { LocalDeliveryResult } from './ack-tracker.js';
import type { WindowItem, WindowPort, WindowResult } from './window-types.js';

/** One `deliver` call: its items, where they go, and how far it got. */
interface Job<T> {
  readonly items: readonly WindowItem<T>[];
  readonly port: WindowPort<T>;
  readonly results: WindowResult[];
  readonly tags: Set<string>;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
  readonly resolve: (results: WindowResult[]) => void;
  next: number;
  failed: boolean;
}

/**
 * The sliding window of one module input (issue 8): the items of successive `deliver` calls are published strictly
 * in call order, then item order, with at most `size` unacknowledged across all calls; every PUBACK lets the next
 * waiting item go at once, whichever call it belongs to, so the window does not drain at call (batch) boundaries
 * while the pump keeps handing over batches. Mosquitto does the same per client.
 *
 * A failure (closed, aborted, busy with nothing of ours in flight) of an item fails its call from there on, and
 * every call queued behind it too: their unpublished items are `unsent` and their unacknowledged ones are
 * cancelled (`aborted`), so nothing is published ahead of the retry of the first unacknowledged item (the pump
 * resends from there, in order: at-least-once). A call made after the failure starts afresh. Each call resolves
 * once none of its items is in flight; its results say which were acknowledged, and a call's result never reports
 * `acked` for an item whose PUBACK did not come.
 */
export class SlidingWindow<T> {
  /** Calls not yet resolved, in call order; the first with unpublished items is the one publishing. */
  private readonly jobs: Job<T>[] = [];
  private inFlight = 0;
  /** `fail` is cancelling publishes (their `aborted` settlements must not fail again or publish more). */
  private failing = false;

  constructor(private readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`window size must be at least 1, got ${size}`);
  }

  /** Publishes currently unacknowledged across all calls. */
  get unacknowledged(): number {
    return this.inFlight;
  }

  /** Publishes `items` through `port` behind every earlier call; resolves with one result per item. */
  deliver(items: readonly WindowItem<T>[], port: WindowPort<T>, signal: AbortSignal): Promise<WindowResult[]> {
    const results: WindowResult[] = items.map(() => 'unsent');
    if (signal.aborted) return Promise.resolve(results.fill('aborted'));
    if (items.length === 0) return Promise.resolve(results);
    return new Promise((resolve) => {
      const job: Job<T> = {
        items,
        port,
        results,
        tags: new Set(),
        signal,
        onAbort: () => this.fail(job),
        resolve,
        next: 0,
        failed: false,
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
      this.jobs.push(job);
      this.fill();
    });
  }

  /** Publishes waiting items in order while the window has room, then resolves the calls that are done. */
  private fill(): void {
    this.publishWaiting();
    this.finishDone();
  }

  private publishWaiting(): void {
    for (let j = 0; j < this.jobs.length; j++) {
      const job = this.jobs[j] as Job<T>;
      while (!job.failed && job.next < job.items.length) {
        const i = job.next;
        const item = job.items[i] as WindowItem<T>;
        if ('refused' in item) {
          job.results[i] = { refused: item.refused };
          job.next += 1;
          continue;
        }
        if (this.inFlight >= this.size) return;
        let tag = '';
        const sent = job.port.publish(item.send, (r) => this.settled(job, i, tag, r));
        if (sent === 'busy' && this.inFlight > 0) return; // the connection is full: the next PUBACK makes room
        if (sent === 'busy' || sent === 'closed') {
          job.results[i] = sent;
          this.fail(job);
          return;
        }
        tag = sent;
        job.tags.add(tag);
        this.inFlight += 1;
        job.next += 1;
      }
      // A failed call still waiting for a cancellation publishes nothing; every call behind it failed with it, a
      // call made since starts afresh.
    }
  }

  private settled(job: Job<T>, i: number, tag: string, r: LocalDeliveryResult): void {
    if (!job.tags.delete(tag)) return;
    this.inFlight -= 1;
    job.results[i] = r;
    if (this.failing) return;
    if (r !== 'acked' && !job.failed) this.fail(job);
    else this.fill();
  }

  /** Fails `job` and every call behind it: nothing more of them is published, their waiting publishes are cancelled. */
  private fail(job: Job<T>): void {
    const at = this.jobs.indexOf(job);
    if (at < 0) return;
    const doomed = this.jobs.slice(at);
    for (const d of doomed) d.failed = true;
    this.failing = true;
    try {
      for (const d of doomed) for (const t of [...d.tags]) d.port.cancel(t); // settles each `aborted` (see `settled`)
    } finally {
      this.failing = false;
    }
    this.fill();
  }

  /** Resolves the calls with nothing in flight that will publish nothing more (in any order: each has its own promise). */
  private finishDone(): void {
    for (let j = 0; j < this.jobs.length; ) {
      const job = this.jobs[j] as Job<T>;
      if (job.tags.size === 0 && (job.failed || job.next >= job.items.length)) {
        this.jobs.splice(j, 1);
        job.signal.removeEventListener('abort', job.onAbort);
        job.resolve(job.results);
      } else j += 1;
    }
  }
}

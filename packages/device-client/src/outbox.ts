import { VergeError } from '@verge/contracts';

/** An event waiting for its PUBACK. */
export interface OutboxEntry {
  readonly id: number;
  readonly topic: string;
  readonly payload: Buffer;
  /** True while published on the current connection and not yet acknowledged. */
  inFlight: boolean;
}

interface Waiter {
  readonly entry: OutboxEntry;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  readonly cleanup: () => void;
}

/** Options of one send. */
export interface SendOptions {
  /** Fail after this long without a PUBACK (offline time counts); default: wait until acknowledged or closed. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * QoS 1 events in send order until the hub acknowledges them. A connection that ends before the PUBACK puts its
 * in-flight events back, and the next connection publishes them again first, in their original order: delivery is
 * at least once and in order per client. A timed-out or aborted event leaves the queue; when it was in flight it
 * may still arrive.
 */
export class Outbox {
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;

  /** Queues an event; the promise settles on PUBACK, timeout, abort or close. */
  add(topic: string, payload: Buffer, options: SendOptions = {}): { entry: OutboxEntry; acknowledged: Promise<void> } {
    const entry: OutboxEntry = { id: this.nextId++, topic, payload, inFlight: false };
    const acknowledged = new Promise<void>((resolve, reject) => {
      const timer = options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => this.fail(entry.id, new VergeError('SDK_REQUEST_TIMEOUT', `event to '${topic}' was not acknowledged within ${options.timeoutMs} ms`)), options.timeoutMs);
      const onAbort = (): void => this.fail(entry.id, new VergeError('SDK_REQUEST_ABORTED', `event to '${topic}': aborted`, { cause: options.signal?.reason }));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.waiters.set(entry.id, { entry, resolve, reject, cleanup });
      if (options.signal?.aborted === true) onAbort();
    });
    return { entry, acknowledged };
  }

  /** The hub acknowledged `id`. */
  acknowledge(id: number): void {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return;
    this.waiters.delete(id);
    waiter.cleanup();
    waiter.resolve();
  }

  /** Events not in flight, in send order. */
  pending(): OutboxEntry[] {
    return [...this.waiters.values()].map((w) => w.entry).filter((e) => !e.inFlight);
  }

  /** True while `id` still waits for its PUBACK. */
  has(id: number): boolean {
    return this.waiters.has(id);
  }

  /** The connection ended: nothing is in flight any more. */
  requeueAll(): void {
    for (const { entry } of this.waiters.values()) entry.inFlight = false;
  }

  fail(id: number, err: Error): void {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return;
    this.waiters.delete(id);
    waiter.cleanup();
    waiter.reject(err);
  }

  failAll(err: Error): void {
    for (const id of [...this.waiters.keys()]) this.fail(id, err);
  }

  get size(): number {
    return this.waiters.size;
  }
}

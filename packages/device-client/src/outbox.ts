import { VergeError } from '@verge/contracts';
import type { Qos1Event } from './connection.js';

/** An event waiting for its PUBACK. */
export class OutboxEntry implements Qos1Event {
  /** True while published on the current connection and not yet acknowledged. */
  inFlight = false;

  constructor(
    readonly id: number,
    readonly topic: string,
    readonly payload: Buffer,
    private readonly outbox: Outbox,
    /** The events added together with it, and its place among them. */
    readonly group: SendGroup,
    readonly index: number,
  ) {}

  acknowledged(): void {
    this.outbox.acknowledge(this.id);
  }
}

/** Events added together: one result per event, settled once every one of them is. */
export interface SendGroup {
  settle(index: number, err: Error | undefined): void;
}

/** Options of one send. */
export interface SendOptions {
  /** Fail after this long without a PUBACK (offline time counts); default: wait until acknowledged or closed. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A topic and payload to queue. */
export interface Publication {
  readonly topic: string;
  readonly payload: Buffer;
}

/**
 * QoS 1 events in send order until the hub acknowledges them. A connection that ends before the PUBACK puts its
 * in-flight events back, and the next connection publishes them again first, in their original order: delivery is
 * at least once and in order per client. A timed-out or aborted event leaves the queue; when it was in flight it
 * may still arrive. Events added together (`addAll`) share one timer and one abort listener.
 */
export class Outbox {
  private readonly waiters = new Map<number, OutboxEntry>();
  /** Entries not yet published on the current connection, in send order (may hold entries already settled). */
  private unsent: OutboxEntry[] = [];
  private nextId = 1;

  /** Queues an event; the promise settles on PUBACK, timeout, abort or close. */
  add(topic: string, payload: Buffer, options: SendOptions = {}): { entry: OutboxEntry; acknowledged: Promise<void> } {
    const { entries, settled } = this.addAll([{ topic, payload }], options);
    const acknowledged = settled.then(([err]) => {
      if (err !== undefined) throw err;
    });
    return { entry: entries[0] as OutboxEntry, acknowledged };
  }

  /**
   * Queues events in order; `settled` resolves once every one of them settled, with `undefined` (acknowledged) or
   * the error (timeout, abort, close) per event, in their order.
   */
  addAll(publications: readonly Publication[], options: SendOptions = {}): { entries: readonly OutboxEntry[]; settled: Promise<(Error | undefined)[]> } {
    const results = new Array<Error | undefined>(publications.length);
    let open = publications.length;
    let done: () => void = () => undefined;
    const group: SendGroup = {
      settle: (index, err) => {
        results[index] = err;
        if (--open === 0) done();
      },
    };
    const entries = publications.map((p, i) => new OutboxEntry(this.nextId++, p.topic, p.payload, this, group, i));
    const settled = new Promise<(Error | undefined)[]>((resolve) => {
      const what = entries.length === 1 ? `event to '${entries[0]?.topic ?? ''}' was` : `${entries.length} events were`;
      const failOpen = (err: Error): void => {
        for (const e of entries) this.fail(e.id, err);
      };
      const timer = options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => failOpen(new VergeError('SDK_REQUEST_TIMEOUT', `${what} not acknowledged within ${options.timeoutMs} ms`)), options.timeoutMs);
      const onAbort = (): void => failOpen(new VergeError('SDK_REQUEST_ABORTED', `${what} aborted`, { cause: options.signal?.reason }));
      done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(results);
      };
      if (open === 0) return done();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      for (const entry of entries) {
        this.unsent.push(entry);
        this.waiters.set(entry.id, entry);
      }
      if (options.signal?.aborted === true) onAbort();
    });
    return { entries, settled };
  }

  /** The hub acknowledged `id`. */
  acknowledge(id: number): void {
    this.settle(id, undefined);
  }

  /** Takes the events not published on the current connection, in send order (the caller publishes them now). */
  takeUnsent(): OutboxEntry[] {
    const taken = this.unsent.filter((e) => this.waiters.has(e.id));
    this.unsent = [];
    return taken;
  }

  /** True while `id` still waits for its PUBACK. */
  has(id: number): boolean {
    return this.waiters.has(id);
  }

  /** The connection ended: nothing is in flight any more, every waiting event is unsent again, in order. */
  requeueAll(): void {
    this.unsent = [];
    for (const entry of this.waiters.values()) {
      entry.inFlight = false;
      this.unsent.push(entry);
    }
  }

  fail(id: number, err: Error): void {
    this.settle(id, err);
  }

  failAll(err: Error): void {
    for (const id of [...this.waiters.keys()]) this.fail(id, err);
  }

  get size(): number {
    return this.waiters.size;
  }

  private settle(id: number, err: Error | undefined): void {
    const entry = this.waiters.get(id);
    if (entry === undefined) return;
    this.waiters.delete(id);
    entry.group.settle(entry.index, err);
  }
}

/** Options of {@link AsyncQueue}. */
export interface AsyncQueueOptions<T> {
  /** Most items held for a slow consumer; beyond it `overflow` decides (default: unbounded). */
  readonly maxItems?: number;
  /**
   * Called with the held items when one more arrives at `maxItems`; returns what to hold instead (e.g. one
   * "resync" item). Default: drop the oldest item.
   */
  readonly overflow?: (held: readonly T[], incoming: T) => T[];
}

/**
 * A push-to-pull bridge: producers `push`, one consumer iterates with `for await`. `end()` finishes the iteration
 * after the held items; `fail(error)` rejects the consumer's next read after them. Leaving the `for await` early
 * calls `onReturn` so the producer can release its source.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiter: ((error: unknown) => void) | undefined;
  private done = false;
  private error: unknown = undefined;
  private failed = false;

  constructor(
    private readonly options: AsyncQueueOptions<T> = {},
    private readonly onReturn: () => void = () => undefined,
  ) {}

  /** True once `end`, `fail` or the consumer's `return` happened. */
  get closed(): boolean {
    return this.done || this.failed;
  }

  /** Hands `item` to the consumer (or holds it); ignored once closed. */
  push(item: T): void {
    if (this.closed) return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.clearWaiters();
      waiter({ value: item, done: false });
      return;
    }
    const max = this.options.maxItems;
    if (max !== undefined && this.items.length >= max) {
      const next = this.options.overflow ? this.options.overflow(this.items, item) : [...this.items.slice(1), item];
      this.items.splice(0, this.items.length, ...next);
      return;
    }
    this.items.push(item);
  }

  /** Ends the iteration once the held items are read. */
  end(): void {
    if (this.closed) return;
    this.done = true;
    this.settleWaiter();
  }

  /** Makes the consumer's read after the held items reject with `error`. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failed = true;
    this.error = error;
    this.settleWaiter();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        const wasOpen = !this.closed;
        this.items.length = 0;
        this.done = true;
        this.settleWaiter();
        if (wasOpen) this.onReturn();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.failed) {
      this.failed = false;
      this.done = true;
      return Promise.reject(this.error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    const failWaiter = this.failWaiter;
    if (waiter === undefined || failWaiter === undefined) return;
    this.clearWaiters();
    if (this.failed) {
      this.failed = false;
      this.done = true;
      failWaiter(this.error);
    } else {
      waiter({ value: undefined, done: true });
    }
  }

  private clearWaiters(): void {
    this.waiter = undefined;
    this.failWaiter = undefined;
  }
}

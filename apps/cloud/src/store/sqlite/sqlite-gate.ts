/**
 * Orders the SQLite store's work on its one connection. better-sqlite3 is synchronous, but a transaction of the
 * async ports stays open across `await`s; a statement run meanwhile by another flow would land inside it (and
 * commit or roll back with it). So while a transaction is open or waiting, every other call queues behind it, in
 * arrival order; when none is, a call runs at once (synchronously, so it cannot interleave with anything).
 */
export class SqliteGate {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** Runs one synchronous piece of work (a statement, or a whole synchronous transaction) in turn. */
  run<T>(work: () => T): Promise<T> {
    if (this.queued === 0) {
      try {
        return Promise.resolve(work());
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    return this.enqueue(() => work());
  }

  /** Runs `work` alone: nothing else touches the connection until the promise it returns settles. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.enqueue(work);
  }

  /** Settles once everything queued so far has run. */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.tail.then(noop, noop);
  }

  private enqueue<T>(work: () => T | Promise<T>): Promise<T> {
    this.queued += 1;
    const result = this.tail.then(work);
    this.tail = result.then(noop, noop).finally(() => {
      this.queued -= 1;
    });
    return result;
  }
}

function noop(): void {}

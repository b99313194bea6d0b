/** Options of `GroupCommit`. */
export interface GroupCommitOptions {
  /** A batch commits as soon as it holds this many entries. */
  readonly maxBatch: number;
  /**
   * Batches committing at once. While that many are in flight, entries keep collecting and go in one batch when
   * one ends (a networked database commits the next batch while the last one is on the wire).
   */
  readonly maxInFlight: number;
}

interface Waiter<E, R> {
  readonly entry: E;
  readonly resolve: (r: R) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Group commit: entries added in the same turn of the event loop (or while earlier batches commit) share one
 * commit, and each `add` resolves only once its batch committed, with its own result. A failed commit rejects every
 * entry of its batch. Shared by the stores' telemetry (`TelemetryStore.append`).
 */
export class GroupCommit<E, R> {
  private batch: Waiter<E, R>[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly settled = new Set<Promise<void>>();

  constructor(
    /** Commits the entries in one transaction; resolves with one result per entry, in order. */
    private readonly commit: (entries: readonly E[]) => Promise<readonly R[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Adds an entry; resolves with its result after its batch committed. */
  add(entry: E): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.batch.push({ entry, resolve, reject });
      if (this.batch.length >= this.options.maxBatch) this.flush();
      else this.schedule();
    });
  }

  /** Commits what is collected and waits for every batch in flight. */
  async drain(): Promise<void> {
    this.flush();
    while (this.settled.size > 0 || this.batch.length > 0) {
      if (this.batch.length > 0) this.flush();
      await Promise.all(this.settled);
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.inFlight < this.options.maxInFlight) this.flush();
    });
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const waiters = this.batch;
    this.batch = [];
    this.inFlight += 1;
    const done = this.run(waiters).finally(() => {
      this.inFlight -= 1;
      this.settled.delete(done);
      if (this.batch.length > 0 && this.inFlight < this.options.maxInFlight) this.flush();
    });
    this.settled.add(done);
  }

  private async run(waiters: readonly Waiter<E, R>[]): Promise<void> {
    try {
      const results = await this.commit(waiters.map((w) => w.entry));
      waiters.forEach((w, i) => {
        const r = results[i];
        if (r === undefined) w.reject(new Error(`group commit returned ${results.length} results for ${waiters.length} entries`));
        else w.resolve(r);
      });
    } catch (e) {
      for (const w of waiters) w.reject(e);
    }
  }
}

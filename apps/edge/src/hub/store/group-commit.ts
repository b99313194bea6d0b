import type { SqliteDatabase } from '@verge/platform';

/** Batching limits of {@link GroupCommit}. */
export interface GroupCommitOptions {
  /**
   * How long a write may wait for others to share its transaction. 0 (default) flushes once per event-loop turn
   * (`setImmediate`), which batches everything that arrived in the same I/O poll.
   */
  readonly maxBatchDelayMs: number;
  /** A batch this large is committed at once, without waiting. 1 means one transaction per write. */
  readonly maxBatchSize: number;
}

/** Hooks of {@link GroupCommit} into the store that owns it. */
export interface GroupCommitHooks {
  /** Runs before every transaction (e.g. to remember in-memory state a rollback must restore). */
  begin(): void;
  /** Runs inside every transaction after its writes (e.g. to persist counters the writes advanced). */
  beforeCommit(): void;
  /** Runs after a transaction rolled back, to restore the in-memory state saved by `begin`. */
  afterRollback(): void;
  /** Turns a storage failure into the error the waiting callers get. */
  writeFailed(cause: unknown): Error;
  /** Runs after each flush that committed `writes` writes, outside any transaction (e.g. to schedule WAL checkpoints). */
  afterCommit?(writes: number): void;
}

/** A write waiting for its commit: the promise's own resolve/reject, no wrapper closures (one per append, issue 8). */
interface PendingWrite {
  readonly apply: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Runs first when the write settles (synchronously, before any continuation can run). */
  readonly onSettled: (() => void) | undefined;
}

function resolveWrite(w: PendingWrite, value: unknown): void {
  w.onSettled?.();
  w.resolve(value);
}

function rejectWrite(w: PendingWrite, error: unknown): void {
  w.onSettled?.();
  w.reject(error);
}

/**
 * Group commit over one better-sqlite3 connection: writes submitted during one event-loop turn (or within
 * `maxBatchDelayMs`, up to `maxBatchSize`) run in ONE transaction, and each caller's promise resolves only after that
 * transaction committed. Durability per commit is the connection's `synchronous` setting (perf-baselines §2: batching
 * lifts durable throughput 40–90×). If a write throws, the batch is rolled back and its writes are retried one
 * transaction each, so one bad write fails alone.
 */
export class GroupCommit {
  private batch: PendingWrite[] = [];
  private timer: { readonly kind: 'immediate'; readonly handle: NodeJS.Immediate } | { readonly kind: 'timeout'; readonly handle: NodeJS.Timeout } | undefined;
  /** While > 0, writes wait in the batch instead of committing ({@link hold}). */
  private holds = 0;
  /** The batch's transaction, built once (better-sqlite3 builds four wrappers per `transaction` call). */
  private readonly together: (batch: readonly PendingWrite[]) => unknown[];

  constructor(
    db: SqliteDatabase,
    private readonly options: GroupCommitOptions,
    private readonly hooks: GroupCommitHooks,
  ) {
    this.together = db.transaction((batch: readonly PendingWrite[]) => {
      const out = batch.map((w) => w.apply());
      this.hooks.beforeCommit();
      return out;
    });
  }

  /**
   * Queues a write; `apply` runs later inside a transaction, and its result resolves the promise after commit.
   * `onSettled` runs once, synchronously, when the write has committed or failed for good (e.g. to release a
   * reservation before any other caller can observe the store).
   */
  submit<T>(apply: () => T, onSettled?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.batch.push({ apply, resolve: resolve as (value: unknown) => void, reject, onSettled });
      if (this.holds > 0) return;
      if (this.batch.length >= this.options.maxBatchSize) this.flush();
      else this.schedule();
    });
  }

  /**
   * Commits pending writes now (synchronously), unless a {@link hold} keeps them waiting: at most `maxBatchSize` in
   * one transaction (writes that piled up during a hold go in several), the rest in the next turn.
   */
  flush(): void {
    this.cancelTimer();
    if (this.batch.length === 0 || this.holds > 0) return;
    const batch = this.batch.splice(0, this.options.maxBatchSize);
    const results = this.tryTogether(batch);
    if (results !== undefined) for (let i = 0; i < batch.length; i++) resolveWrite(batch[i] as PendingWrite, results[i]);
    else for (const w of batch) this.runAlone(w);
    this.hooks.afterCommit?.(batch.length);
    if (this.batch.length > 0) this.schedule();
  }

  /** Commits every pending write now (at close), unless a {@link hold} keeps them waiting. */
  drain(): void {
    while (this.batch.length > 0 && this.holds === 0) this.flush();
  }

  /**
   * Stops committing: writes submitted from now on wait in the batch (their callers' promises pending) until every
   * hold is released. For the few milliseconds another connection needs the WAL to itself (`wal-checkpointer.ts`);
   * the event loop stays free meanwhile.
   */
  hold(): void {
    this.holds += 1;
    this.cancelTimer();
  }

  /** Ends one {@link hold}; the waiting writes commit in the next turn once none is left. */
  release(): void {
    if (this.holds === 0) return;
    this.holds -= 1;
    if (this.holds === 0 && this.batch.length > 0) this.schedule();
  }

  /** True while a {@link hold} keeps writes from committing. */
  get held(): boolean {
    return this.holds > 0;
  }

  /** Number of writes waiting for the next commit. */
  get pending(): number {
    return this.batch.length;
  }

  private tryTogether(batch: readonly PendingWrite[]): unknown[] | undefined {
    this.hooks.begin();
    try {
      return this.together(batch);
    } catch {
      this.hooks.afterRollback();
      return undefined;
    }
  }

  private runAlone(write: PendingWrite): void {
    this.hooks.begin();
    try {
      const [result] = this.together([write]);
      resolveWrite(write, result);
    } catch (e) {
      this.hooks.afterRollback();
      rejectWrite(write, isSqliteError(e) ? this.hooks.writeFailed(e) : e);
    }
  }

  private schedule(): void {
    if (this.timer !== undefined || this.holds > 0) return;
    this.timer =
      this.options.maxBatchDelayMs <= 0
        ? { kind: 'immediate', handle: setImmediate(() => this.flush()) }
        : { kind: 'timeout', handle: setTimeout(() => this.flush(), this.options.maxBatchDelayMs) };
  }

  private cancelTimer(): void {
    // Each handle goes to its own clear function: clearImmediate on a Timeout corrupts Node's immediate queue.
    if (this.timer?.kind === 'immediate') clearImmediate(this.timer.handle);
    else if (this.timer?.kind === 'timeout') clearTimeout(this.timer.handle);
    this.timer = undefined;
  }
}

/** better-sqlite3 raises `SqliteError` with a `SQLITE_*` code for storage failures. */
function isSqliteError(e: unknown): boolean {
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

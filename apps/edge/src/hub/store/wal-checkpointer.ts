import { afterCommitStep, needsFinalRound, type WalCheckpointPolicy } from './wal-checkpoint-plan.js';
import type { WalCheckpointRound, WalCheckpointRunner } from './wal-checkpoint-worker.js';

/** The store's writer as the checkpointer sees it (`GroupCommit`). */
export interface HoldableWriter {
  hold(): void;
  release(): void;
}

const sizeEveryWrites = 64;
const sizeEveryMs = 5;

/** What happened in one checkpoint round (for tests and measurements). */
export interface WalCheckpointEvent extends WalCheckpointRound {
  /** `concurrent`: commits went on during the round; `final`: commits waited for it, and it restarted the WAL. */
  readonly kind: 'concurrent' | 'final';
}

/** Options of {@link WalCheckpointer}. */
export interface WalCheckpointerOptions {
  readonly policy: WalCheckpointPolicy;
  readonly writer: HoldableWriter;
  /** Starts the runner at the first round (the worker thread costs memory only once something was written). */
  readonly startRunner: () => WalCheckpointRunner;
  /** Size of the `-wal` file now (a `stat`: ~20 µs on a loaded VM, so not after every small commit). */
  readonly walFileBytes: () => number;
  readonly nowMs: () => number;
  /** The runner failed: checkpoints go back to the committing connection (SQLite's auto-checkpoint). */
  readonly onFailure: (error: Error) => void;
  readonly onRound?: (event: WalCheckpointEvent) => void;
  /**
   * Closes the runner (and its thread) once no round has started for `afterMs`; the next round starts a new one.
   * The worker thread costs ~8 MB of RSS (issue 8 footprint) that a hub idle after a burst would otherwise keep.
   * Nothing is lost: the runner only copies committed frames, and the next round copies what is left.
   */
  readonly idleStop?: { readonly afterMs: number; readonly setTimer: (fn: () => void, ms: number) => () => void };
}

/**
 * Keeps WAL checkpoints out of the commit path (issue 8, p99 per routed hop). With SQLite's auto-checkpoint the
 * commit that crossed the mark copied the WAL into the database file and synced both files while every message of
 * that commit, and the whole event loop, waited (8 ms at p99 on a quiet machine, 25–50 ms on a loaded one). Here
 * the store's connection never checkpoints: after commits, at most every `roundEveryMs`, a worker thread with a
 * second connection runs a PASSIVE checkpoint (copy + fsyncs there, commits go on). A concurrent round cannot
 * finish the WAL while commits land, and the WAL restarts only once all of it is copied: so once it holds half the
 * mark, a final round runs with commits held (`GroupCommit.hold`: appends wait, the event loop does not), copying
 * only what the first round left, then restarting the WAL itself (so the restart's header fsync and file truncation
 * stay out of the store's commits too). Bound: past the mark, commits wait until a round completes, whatever the worker's
 * speed, so the WAL never outgrows the disk reserve (`DiskGuard` of @verge/platform). With `idleStop`, the runner's thread ends
 * once rounds stop coming (a hub idle after a burst) and starts again with the next round.
 */
export class WalCheckpointer {
  private runner: WalCheckpointRunner | undefined;
  private underWay: Promise<void> | undefined;
  /** An idle runner being closed: a new one starts only once it is (one connection checkpointing at a time). */
  private stopping: Promise<void> | undefined;
  private cancelIdleStop: (() => void) | undefined;
  private lastRoundAtMs: number;
  private lastSizeAtMs = Number.NEGATIVE_INFINITY;
  private writesSinceSize = 0;
  private walFileBytes = 0;
  private boundHeld = false;
  private failed = false;
  private closed = false;

  constructor(private readonly o: WalCheckpointerOptions) {
    this.lastRoundAtMs = o.nowMs();
  }

  /** After each commit of `writes` writes (outside any transaction): starts a round when due, holds commits past the bound. */
  afterCommit(writes: number): void {
    if (this.failed || this.closed) return;
    const now = this.o.nowMs();
    // The WAL's size is read again after 64 writes or 5 ms (so it passes the mark by a few commits at most).
    this.writesSinceSize += writes;
    if (this.writesSinceSize >= sizeEveryWrites || now - this.lastSizeAtMs >= sizeEveryMs) {
      this.walFileBytes = this.o.walFileBytes();
      this.lastSizeAtMs = now;
      this.writesSinceSize = 0;
    }
    const step = afterCommitStep({ roundUnderWay: this.underWay !== undefined, msSinceLastRound: now - this.lastRoundAtMs, walFileBytes: this.walFileBytes }, this.o.policy);
    if (step.holdWriter && !this.boundHeld) {
      this.boundHeld = true;
      this.o.writer.hold();
    }
    if (step.startRound) this.underWay = this.cycle().finally(() => (this.underWay = undefined));
  }

  /** Waits for the round under way and closes the runner; later commits are not checkpointed here. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelIdleStop?.();
    await this.underWay;
    await this.stopping;
    await this.runner?.close();
  }

  private async cycle(): Promise<void> {
    this.cancelIdleStop?.();
    try {
      await this.stopping;
      this.runner ??= this.o.startRunner();
      const first = await this.runner.round(false);
      this.o.onRound?.({ kind: 'concurrent', ...first });
      if (this.boundHeld || needsFinalRound(first.walFrames, this.o.policy)) await this.finalRound(this.runner);
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.lastRoundAtMs = this.o.nowMs();
      this.lastSizeAtMs = Number.NEGATIVE_INFINITY; // the WAL may have restarted: read its size at the next commit
      if (this.boundHeld) {
        this.boundHeld = false;
        this.o.writer.release();
      }
      this.scheduleIdleStop();
    }
  }

  private scheduleIdleStop(): void {
    const idle = this.o.idleStop;
    if (idle === undefined || this.closed || this.failed) return;
    this.cancelIdleStop?.();
    this.cancelIdleStop = idle.setTimer(() => {
      this.cancelIdleStop = undefined;
      const runner = this.runner;
      if (runner === undefined || this.underWay !== undefined || this.closed) return;
      this.runner = undefined;
      // A failed close leaves nothing to undo: the next round starts a new runner (and reports its own failure).
      this.stopping = runner
        .close()
        .catch(() => undefined)
        .finally(() => (this.stopping = undefined));
    }, idle.afterMs);
  }

  private async finalRound(runner: WalCheckpointRunner): Promise<void> {
    this.o.writer.hold();
    try {
      const last = await runner.round(true);
      this.o.onRound?.({ kind: 'final', ...last });
    } finally {
      this.o.writer.release();
    }
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.o.onFailure(error);
  }
}

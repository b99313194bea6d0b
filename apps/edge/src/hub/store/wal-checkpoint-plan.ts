/** Limits of the message store's WAL checkpoints (`wal-checkpointer.ts`). */
export interface WalCheckpointPolicy {
  /**
   * The WAL's bound in bytes: past it, commits wait (their appends pending) until a checkpoint has let the WAL
   * restart. Sized from the disk reserve (`wal-autocheckpoint.ts`, `DiskGuard` of @verge/platform).
   */
  readonly markBytes: number;
  /** Shortest time between two checkpoint rounds while commits keep coming. */
  readonly roundEveryMs: number;
  /** Bytes of one WAL frame (a page and its 24-byte header). */
  readonly frameBytes: number;
}

/** What the checkpointer knows after a commit. */
export interface AfterCommitState {
  readonly roundUnderWay: boolean;
  readonly msSinceLastRound: number;
  /** Size of the `-wal` file (its `journal_size_limit` is the mark: past the mark it holds that many new bytes). */
  readonly walFileBytes: number;
}

/** What to do after a commit: start a round in the worker, and whether commits must wait for it (the bound). */
export interface AfterCommitStep {
  readonly startRound: boolean;
  readonly holdWriter: boolean;
}

/**
 * Decides, after each commit, whether a checkpoint round starts and whether the WAL reached its bound. Rounds wait
 * until the WAL file holds an eighth of the mark: the worker thread costs ~9 MB of RSS (issue 8 footprint), which a
 * hub with a trickle of messages never pays (its WAL restarts at the mark's final round or at close).
 */
export function afterCommitStep(s: AfterCommitState, p: WalCheckpointPolicy): AfterCommitStep {
  const holdWriter = s.walFileBytes > p.markBytes;
  const due = s.msSinceLastRound >= p.roundEveryMs && s.walFileBytes >= p.markBytes / 8;
  return { startRound: !s.roundUnderWay && (holdWriter || due), holdWriter };
}

/**
 * Whether a round that copied the WAL while commits went on is followed by a final one with commits held: the WAL
 * only restarts (is written from its start again) once every frame is in the database file, which a concurrent
 * round never reaches while a commit lands during its fsyncs. Once the WAL holds half the mark (the rest is the
 * margin for the frames committed while the final round waits its turn), the writer pauses for the final round,
 * whose copy is only what arrived during the first one.
 */
export function needsFinalRound(walFrames: number, p: WalCheckpointPolicy): boolean {
  return walFrames * p.frameBytes >= p.markBytes / 2;
}

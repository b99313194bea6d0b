import { walPagesWithinReserve } from '@verge/platform';

/** 64 MiB at 4 KiB pages: the WAL restarts at most every few seconds at 2,000 msgs/s (~15 MB of WAL a second). */
const maxPages = 16_384;
/**
 * Mark of the fallback, SQLite's auto-checkpoint inside the commit (when no checkpoint worker runs): in issue 8's
 * measurements (2,000 msgs/s pattern, shared VM) the longest commit was ~50 ms at 4000 pages but ~100 ms at 8000.
 */
const maxInCommitPages = 4000;

/**
 * The WAL's bound, in pages: half the disk reserve, from SQLite's default of 1000 pages up to 64 MiB. The WAL grows
 * up to it between restarts, and retiring messages must always find that room (`DiskGuard` in @verge/platform). Checkpoints run
 * in a worker thread (`wal-checkpointer.ts`), so the mark no longer sets how long a commit may pause: a larger one
 * only makes the WAL restart (the one step commits wait for) rarer.
 */
export function walMarkPages(reserveBytes: number, pageSizeBytes: number): number {
  return walPagesWithinReserve(reserveBytes, pageSizeBytes, maxPages);
}

/** The auto-checkpoint mark when checkpoints fall back into the commit path: the WAL mark, at most 4000 pages. */
export function inCommitCheckpointPages(markPages: number): number {
  return Math.min(maxInCommitPages, markPages);
}

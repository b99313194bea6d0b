import { defaultReserveBytes, statDisk, type DiskSpace } from './disk-guard.js';

/** SQLite's default: a WAL checkpoint every 1000 pages (4 MiB at 4 KiB pages). */
const minPages = 1000;
/**
 * 16 MiB at 4 KiB pages. The larger the mark, the more pages one checkpoint copies and syncs: in issue 8's
 * measurements (2,000 msgs/s pattern, shared VM) the longest commit was ~50 ms at 4000 pages but ~100 ms at 8000.
 */
const maxPages = 4000;

/**
 * WAL pages between the automatic checkpoints of the message store. A checkpoint runs inside the commit that crosses
 * the mark and syncs twice (the WAL, then the database), so every message of that commit waits for it: at SQLite's
 * default that was about once a second at 2,000 msgs/s, a pause in ~1% of the deliveries (issue 8, p99). Up to 4×
 * rarer, as far as half the disk reserve allows: the WAL grows back up to the mark after the disk guard truncates it,
 * and retiring messages must always find that room (`disk-guard.ts`).
 */
export function walAutocheckpointPages(reserveBytes: number, pageSizeBytes: number): number {
  return Math.min(maxPages, Math.max(minPages, Math.floor(reserveBytes / 2 / pageSizeBytes)));
}

/** The disk reserve the store's guard keeps for `dir` (the option, else the default for its filesystem), if known. */
export function reserveOf(dir: string, reserveBytes: number | undefined, stat: (dir: string) => DiskSpace = statDisk): number | undefined {
  if (reserveBytes !== undefined) return reserveBytes;
  try {
    return defaultReserveBytes(stat(dir).totalBytes);
  } catch {
    return undefined; // statfs unsupported: keep SQLite's default
  }
}

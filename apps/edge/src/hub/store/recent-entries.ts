import { isExpired, type ExpiredEntry, type QueueEntry, type ReadResult } from '@verge/contracts';

/** Bounds of {@link RecentEntries}, per queue. */
export interface RecentEntriesLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/** Default bounds: a few read batches of small messages, at most 1 MiB per queue. */
export const defaultRecentEntriesLimits: RecentEntriesLimits = { maxEntries: 512, maxBytes: 1024 * 1024 };

/**
 * What a retired slot of a run holds until the run's arrays are compacted: the entry itself would stay reachable
 * until then (up to 256 per queue, bodies included), memory held for nothing, and an entry that outlives the young
 * generation is promoted for the old generation's mark-compacts to collect (issue 8, GC pauses per routed hop).
 * A shared constant keeps the array's elements packed.
 */
const released: QueueEntry = Object.freeze({ offset: -1, edgeMessageId: '', enqueuedAtMs: 0, ttlSecs: -1, message: Object.freeze({ body: new Uint8Array(0), properties: {}, systemProperties: {} }) });

interface Run {
  /** Offset of `entries[start]`. */
  first: number;
  start: number;
  readonly entries: QueueEntry[];
  readonly sizes: number[];
  bytes: number;
}

/**
 * The entries committed last to each queue of the durable store, kept in memory so a pump that keeps up reads them
 * without SQLite (issue 8: reading back and parsing what was just written was a tenth of the hub's CPU under load).
 * Per queue it holds one contiguous run of offsets ending at the newest committed one; a read that starts inside
 * the run is served from it (and is complete: nothing newer exists), any other read goes to SQLite. The store must
 * `add` after every committed append, `retire` at checkpoints, and `clear` whenever refs change otherwise (expiry
 * clean-up, a rolled-back transaction). Pure, synchronous.
 */
export class RecentEntries {
  private readonly runs = new Map<number, Run>();

  constructor(private readonly limits: RecentEntriesLimits = defaultRecentEntriesLimits) {}

  /** `entry` was committed to queue `queueId`; `size` counts against the byte bound. */
  add(queueId: number, entry: QueueEntry, size: number): void {
    let run = this.runs.get(queueId);
    if (run === undefined || entry.offset !== run.first + (run.entries.length - run.start)) {
      run = { first: entry.offset, start: 0, entries: [], sizes: [], bytes: 0 };
      this.runs.set(queueId, run);
    }
    run.entries.push(entry);
    run.sizes.push(size);
    run.bytes += size;
    while (run.entries.length - run.start > this.limits.maxEntries || (run.bytes > this.limits.maxBytes && run.entries.length - run.start > 1)) {
      this.dropFirst(run);
    }
    compact(run);
  }

  /**
   * Like the store's `read` (live entries from `from` in offset order, at most `max`, expired ones reported apart,
   * at most `maxExpired`), or undefined when the run does not hold `from`.
   */
  read(queueId: number, from: number, max: number, nowMs: number, maxExpired: number): ReadResult | undefined {
    const run = this.runs.get(queueId);
    if (run === undefined || from < run.first || from >= run.first + (run.entries.length - run.start)) return undefined;
    const entries: QueueEntry[] = [];
    const expired: ExpiredEntry[] = [];
    let nextOffset = from;
    for (let i = run.start + (from - run.first); i < run.entries.length; i++) {
      if (entries.length >= max || expired.length >= maxExpired) break;
      const e = run.entries[i] as QueueEntry;
      if (isExpired(e, nowMs)) expired.push({ offset: e.offset, edgeMessageId: e.edgeMessageId });
      else entries.push(e);
      nextOffset = e.offset + 1;
    }
    return { entries, expired, nextOffset };
  }

  /** Every entry of queue `queueId` up to `offset` was retired. */
  retire(queueId: number, offset: number): void {
    const run = this.runs.get(queueId);
    if (run === undefined) return;
    while (run.start < run.entries.length && run.first <= offset) this.dropFirst(run);
    if (run.start >= run.entries.length) this.runs.delete(queueId);
    else compact(run);
  }

  /** Forgets everything (reads go to SQLite until new appends). */
  clear(): void {
    this.runs.clear();
  }

  /** Entries held, all queues (for tests and diagnostics). */
  get size(): number {
    let n = 0;
    for (const run of this.runs.values()) n += run.entries.length - run.start;
    return n;
  }

  private dropFirst(run: Run): void {
    run.bytes -= run.sizes[run.start] ?? 0;
    run.entries[run.start] = released;
    run.start += 1;
    run.first += 1;
  }
}

/** Drops the consumed head of a run's arrays once it is large (amortised O(1) per entry). */
function compact(run: Run): void {
  if (run.start < 256 || run.start * 2 < run.entries.length) return;
  run.entries.splice(0, run.start);
  run.sizes.splice(0, run.start);
  run.start = 0;
}

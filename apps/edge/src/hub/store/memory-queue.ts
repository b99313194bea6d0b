import { isExpired, queueName, type ExpiredEntry, type QueueInfo, type QueueRef } from '@verge/contracts';

/** A queue entry of the in-memory store: the reference, not the message. */
export interface MemoryRef {
  readonly offset: number;
  readonly edgeMessageId: string;
  readonly enqueuedAtMs: number;
  readonly ttlSecs: number;
}

/** Entries found by one scan: live refs and skipped expired ones, and where the scan stopped. */
export interface MemoryScan {
  readonly live: MemoryRef[];
  readonly expired: ExpiredEntry[];
  readonly nextOffset: number;
}

/**
 * One append-only queue held in an array sorted by offset. Completed entries are cut from the head (`checkpoint`),
 * expired ones from anywhere (`removeExpired`). Invariant: every held entry has offset > checkpoint.
 */
export class MemoryQueue {
  readonly ref: QueueRef;
  nextOffset = 0;
  checkpointOffset = -1;
  private entries: MemoryRef[] = [];

  constructor(ref: QueueRef) {
    this.ref = { endpointId: ref.endpointId, priority: ref.priority };
  }

  /** Appends an entry at the next offset and returns that offset. */
  push(edgeMessageId: string, enqueuedAtMs: number, ttlSecs: number): number {
    const offset = this.nextOffset++;
    this.entries.push({ offset, edgeMessageId, enqueuedAtMs, ttlSecs });
    return offset;
  }

  /** Up to `max` live entries from `fromOffset`, skipping at most `maxExpired` expired ones. */
  scan(fromOffset: number, max: number, nowMs: number, maxExpired: number): MemoryScan {
    const live: MemoryRef[] = [];
    const expired: ExpiredEntry[] = [];
    let nextOffset = fromOffset;
    for (let i = this.firstIndexAtOrAfter(fromOffset); i < this.entries.length; i++) {
      if (live.length >= max || expired.length >= maxExpired) break;
      const e = this.entries[i] as MemoryRef;
      if (isExpired(e, nowMs)) expired.push({ offset: e.offset, edgeMessageId: e.edgeMessageId });
      else live.push(e);
      nextOffset = e.offset + 1;
    }
    return { live, expired, nextOffset };
  }

  /** Moves the checkpoint to `offset` and returns the message ids of the entries it retires. */
  checkpoint(offset: number): string[] {
    if (offset <= this.checkpointOffset) return [];
    this.checkpointOffset = offset;
    const cut = this.firstIndexAtOrAfter(offset + 1);
    return this.entries.splice(0, cut).map((e) => e.edgeMessageId);
  }

  /** Removes the entries expired at `nowMs` and returns them in offset order. */
  removeExpired(nowMs: number): ExpiredEntry[] {
    const removed: ExpiredEntry[] = [];
    this.entries = this.entries.filter((e) => {
      if (!isExpired(e, nowMs)) return true;
      removed.push({ offset: e.offset, edgeMessageId: e.edgeMessageId });
      return false;
    });
    return removed;
  }

  /** The queue's public state. */
  info(): QueueInfo {
    return { ...this.ref, name: queueName(this.ref), checkpoint: this.checkpointOffset, nextOffset: this.nextOffset, length: this.entries.length };
  }

  private firstIndexAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] as MemoryRef).offset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

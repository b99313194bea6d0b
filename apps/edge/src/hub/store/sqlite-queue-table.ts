import { queueName, type QueueInfo, type QueueRef } from '@verge/contracts';
import { queueKey, sortQueues } from './queue-key.js';
import type { StoreStatements } from './sqlite-statements.js';

/** The in-memory mirror of one row of `queues`, plus its ref count. */
export interface QueueState {
  readonly id: number;
  readonly ref: QueueRef;
  nextOffset: number;
  checkpoint: number;
  length: number;
}

/**
 * The queues of the SQLite store mirrored in memory, so appends assign offsets without a read and `queues()` needs no
 * query. Loaded at open and reloaded after any rolled-back transaction. A queue's next offset is not written by
 * appends (issue 8: one page write less per commit): at load it is the highest of the stored `next_offset`, the
 * checkpoint + 1 and the last ref's offset + 1, and whoever deletes refs without moving the checkpoint (the expiry
 * clean-up) stores it first (`saveNextOffset`), so offsets are never reused.
 */
export class QueueTable {
  private byKey = new Map<string, QueueState>();
  private byId = new Map<number, QueueState>();

  constructor(private readonly st: StoreStatements) {}

  /** Rebuilds the mirror from the database. */
  load(): void {
    this.byKey = new Map();
    this.byId = new Map();
    const refs = new Map(this.st.refCounts.all().map((r) => [r.queue_id, r]));
    for (const row of this.st.allQueues.all()) {
      const held = refs.get(row.id);
      const q: QueueState = {
        id: row.id,
        ref: { endpointId: row.endpoint_id, priority: row.priority },
        nextOffset: Math.max(row.next_offset, row.checkpoint + 1, (held?.last ?? -1) + 1),
        checkpoint: row.checkpoint,
        length: held?.n ?? 0,
      };
      this.byKey.set(queueKey(q.ref), q);
      this.byId.set(q.id, q);
    }
  }

  /** Copies of every queue's state, for `restore` after a rolled-back transaction (O(queues), not O(entries)). */
  snapshot(): QueueState[] {
    return [...this.byId.values()].map((q) => ({ ...q }));
  }

  /** Puts back the state `snapshot` copied: queues created since then disappear, counters roll back. */
  restore(saved: readonly QueueState[]): void {
    this.byKey = new Map();
    this.byId = new Map();
    for (const q of saved) {
      const copy = { ...q };
      this.byKey.set(queueKey(copy.ref), copy);
      this.byId.set(copy.id, copy);
    }
  }

  /** The queue, if it exists. */
  find(ref: QueueRef): QueueState | undefined {
    return this.byKey.get(queueKey(ref));
  }

  /** The queue with this row id. */
  byRowId(id: number): QueueState | undefined {
    return this.byId.get(id);
  }

  /** The queue, created (inside the caller's transaction) when missing. */
  findOrCreate(ref: QueueRef): QueueState {
    const found = this.find(ref);
    if (found !== undefined) return found;
    const id = Number(this.st.insertQueue.run(ref.endpointId, ref.priority).lastInsertRowid);
    const q: QueueState = { id, ref: { endpointId: ref.endpointId, priority: ref.priority }, nextOffset: 0, checkpoint: -1, length: 0 };
    this.byKey.set(queueKey(q.ref), q);
    this.byId.set(id, q);
    return q;
  }

  /** Takes the next offset of a queue (its ref, inserted in the same transaction, is what persists it). */
  takeOffset(q: QueueState): number {
    q.length += 1;
    return q.nextOffset++;
  }

  /** Writes a queue's next offset, before refs at its end leave other than by a checkpoint (expiry clean-up). */
  saveNextOffset(q: QueueState): void {
    this.st.saveNextOffset.run(q.nextOffset, q.id);
  }

  /** Public state of the queues of one endpoint (or all), sorted. */
  infos(endpointId?: string): QueueInfo[] {
    const out: QueueInfo[] = [];
    for (const q of this.byKey.values()) {
      if (endpointId !== undefined && q.ref.endpointId !== endpointId) continue;
      out.push({ ...q.ref, name: queueName(q.ref), checkpoint: q.checkpoint, nextOffset: q.nextOffset, length: q.length });
    }
    return sortQueues(out);
  }
}

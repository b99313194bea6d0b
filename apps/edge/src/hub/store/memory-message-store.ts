import { randomUUID } from 'node:crypto';
import {
  messageSizeBytes,
  type AppendReceipt,
  type CleanupResult,
  type ExpiredRemoval,
  type Message,
  type MessageDelivery,
  type MessageStore,
  type QueueEntry,
  type QueueInfo,
  type QueueRef,
  type ReadResult,
  type StoreStats,
} from '@verge/contracts';
import { attempt } from './attempt.js';
import { MemoryQueue } from './memory-queue.js';
import { queueKey, sortQueues } from './queue-key.js';
import { RefusalLatch } from './refusal-latch.js';
import {
  checkCheckpoint,
  checkDeliveries,
  checkMaxBytes,
  checkQueue,
  checkReadArguments,
  defaultMemoryStoreMaxBytes,
  maxExpiredPerRead,
  storeClosedError,
  storeFullError,
} from './store-rules.js';

/** Options of {@link createMemoryMessageStore}. */
export interface MemoryMessageStoreOptions {
  /** Limit on stored bodies + properties, in bytes (default 64 MiB): iotedge `storeLimits.maxSizeBytes`. */
  readonly maxBytes?: number;
  /** The clock TTLs are measured with (default `Date.now`). */
  readonly nowMs?: () => number;
  /** Generates `edgeMessageId`s (default `randomUUID`). */
  readonly newId?: () => string;
}

interface Entity {
  readonly message: Message;
  readonly size: number;
  refs: number;
}

/**
 * A bounded in-memory {@link MessageStore} (iotedge with `UsePersistentStorage=false`): nothing survives the process.
 * Every operation completes synchronously, so `append` resolves on the next microtask.
 */
export function createMemoryMessageStore(options: MemoryMessageStoreOptions = {}): MessageStore {
  return new MemoryMessageStore(options);
}

class MemoryMessageStore implements MessageStore {
  private readonly maxBytes: number;
  private readonly nowMs: () => number;
  private readonly newId: () => string;
  private readonly entities = new Map<string, Entity>();
  private readonly queueMap = new Map<string, MemoryQueue>();
  private readonly refusal = new RefusalLatch();
  private bytes = 0;
  private closed = false;

  constructor(options: MemoryMessageStoreOptions) {
    this.maxBytes = options.maxBytes ?? defaultMemoryStoreMaxBytes;
    checkMaxBytes(this.maxBytes);
    this.nowMs = options.nowMs ?? Date.now;
    this.newId = options.newId ?? randomUUID;
  }

  append(message: Message, deliveries: readonly MessageDelivery[]): Promise<AppendReceipt> {
    return attempt(() => {
      this.ensureOpen('append');
      this.refusal.check();
      checkDeliveries(deliveries);
      const size = messageSizeBytes(message);
      if (this.bytes + size > this.maxBytes) {
        const full = storeFullError(size, this.bytes, this.maxBytes, this.entities.size);
        this.refusal.observe(full);
        throw full;
      }
      const edgeMessageId = this.newId();
      const enqueuedAtMs = this.nowMs();
      // Copy the body: the caller's buffer may be a view into a reused network buffer.
      const copy: Message = { body: new Uint8Array(message.body), properties: { ...message.properties }, systemProperties: { ...message.systemProperties } };
      this.entities.set(edgeMessageId, { message: copy, size, refs: deliveries.length });
      this.bytes += size;
      const offsets = deliveries.map((d) => ({ endpointId: d.endpointId, priority: d.priority, offset: this.queueOf(d, true).push(edgeMessageId, enqueuedAtMs, d.ttlSecs) }));
      return { edgeMessageId, enqueuedAtMs, offsets };
    });
  }

  read(queue: QueueRef, fromOffset: number, max: number): Promise<ReadResult> {
    return attempt(() => {
      this.ensureOpen('read');
      checkReadArguments(queue, fromOffset, max);
      const q = this.queueOf(queue, false);
      if (q === undefined) return { entries: [], expired: [], nextOffset: fromOffset };
      const scan = q.scan(fromOffset, max, this.nowMs(), maxExpiredPerRead);
      const entries = scan.live.map((r): QueueEntry => ({ ...r, message: (this.entities.get(r.edgeMessageId) as Entity).message }));
      return { entries, expired: scan.expired, nextOffset: scan.nextOffset };
    });
  }

  checkpoint(queue: QueueRef, offset: number): Promise<void> {
    return attempt(() => {
      this.ensureOpen('checkpoint');
      const q = this.queueOf(queue, false);
      checkCheckpoint(queue, offset, q?.nextOffset ?? 0);
      if (q !== undefined) this.release(q.checkpoint(offset));
    });
  }

  queues(endpointId?: string): Promise<readonly QueueInfo[]> {
    return attempt(() => {
      this.ensureOpen('list queues');
      const all = [...this.queueMap.values()].map((q) => q.info());
      return sortQueues(endpointId === undefined ? all : all.filter((q) => q.endpointId === endpointId));
    });
  }

  cleanup(): Promise<CleanupResult> {
    return attempt(() => {
      this.ensureOpen('clean up');
      const nowMs = this.nowMs();
      const before = { count: this.entities.size, bytes: this.bytes };
      const expired: ExpiredRemoval[] = [];
      for (const q of this.queueMap.values()) {
        const removed = q.removeExpired(nowMs);
        if (removed.length > 0) expired.push({ ...q.ref, count: removed.length, offsets: removed.map((e) => e.offset) });
        this.release(removed.map((e) => e.edgeMessageId));
      }
      return { expired, messagesRemoved: before.count - this.entities.size, bytesFreed: before.bytes - this.bytes };
    });
  }

  stats(): Promise<StoreStats> {
    return attempt(() => {
      this.ensureOpen('read stats');
      const queues = sortQueues([...this.queueMap.values()].map((q) => q.info()));
      return { queues, messageCount: this.entities.size, bytes: this.bytes, maxBytes: this.maxBytes };
    });
  }

  close(): Promise<void> {
    this.closed = true;
    this.entities.clear();
    this.queueMap.clear();
    this.bytes = 0;
    return Promise.resolve();
  }

  private queueOf(ref: QueueRef, create: true): MemoryQueue;
  private queueOf(ref: QueueRef, create: false): MemoryQueue | undefined;
  private queueOf(ref: QueueRef, create: boolean): MemoryQueue | undefined {
    const key = queueKey(ref);
    let q = this.queueMap.get(key);
    if (q === undefined && create) {
      checkQueue(ref);
      q = new MemoryQueue(ref);
      this.queueMap.set(key, q);
    }
    return q;
  }

  /** Drops one reference per id; a copy whose last reference goes is deleted and its bytes freed. */
  private release(edgeMessageIds: readonly string[]): void {
    for (const id of edgeMessageIds) {
      const e = this.entities.get(id);
      if (e === undefined) continue;
      e.refs -= 1;
      if (e.refs <= 0) {
        this.entities.delete(id);
        this.bytes -= e.size;
        this.refusal.release();
      }
    }
  }

  private ensureOpen(operation: string): void {
    if (this.closed) throw storeClosedError(operation);
  }
}

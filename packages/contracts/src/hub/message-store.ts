import type { Message } from '../message.js';

/**
 * One queue of the store: the (endpoint, priority) pair a route delivers to (reference azure-iot-edge.md §3.5, §4).
 * Priority 0 is the highest; plain-string routes use {@link defaultRoutePriority}.
 */
export interface QueueRef {
  /** The endpoint id the router produced (`$upstream`, `BrokeredEndpoint(...)` targets, ...). */
  readonly endpointId: string;
  /** Non-negative integer; lower is more urgent. */
  readonly priority: number;
}

/** Where `append` puts a message: one queue plus the TTL snapshotted at enqueue time (reference §3.5). */
export interface MessageDelivery extends QueueRef {
  /**
   * Effective TTL in seconds, measured from enqueue time: the route's `timeToLiveSecs` if > 0, else the global
   * `storeAndForwardConfiguration.timeToLiveSecs` (the caller resolves it). Negative means never expire.
   */
  readonly ttlSecs: number;
}

/** A queue position handed back by `append`. */
export interface QueueOffset extends QueueRef {
  readonly offset: number;
}

/** What a resolved `append` guarantees: the message and all its queue entries are committed. */
export interface AppendReceipt {
  /** The store's id of the one stored copy (iotedge `edgeMessageId`). */
  readonly edgeMessageId: string;
  /** The store clock's time at `append`; TTLs count from here. */
  readonly enqueuedAtMs: number;
  /** One offset per delivery, in the order of the deliveries. */
  readonly offsets: readonly QueueOffset[];
}

/** One live queue entry, joined with its stored message. */
export interface QueueEntry {
  /** Position in its queue; offsets only grow and are never reused. */
  readonly offset: number;
  readonly edgeMessageId: string;
  readonly enqueuedAtMs: number;
  readonly ttlSecs: number;
  readonly message: Message;
}

/** An entry `read` skipped because its TTL had passed. */
export interface ExpiredEntry {
  readonly offset: number;
  readonly edgeMessageId: string;
}

/** The result of `read`. */
export interface ReadResult {
  /** Live entries in offset order, at most `max`. */
  readonly entries: readonly QueueEntry[];
  /** Entries skipped as expired, in offset order (interleaved with `entries` by offset). */
  readonly expired: readonly ExpiredEntry[];
  /**
   * The offset after the last entry examined: where the next `read` continues. Equal to `fromOffset` when nothing
   * was examined. Checkpointing `nextOffset - 1` after delivering `entries` also retires the `expired` ones.
   */
  readonly nextOffset: number;
}

/** The state of one queue. */
export interface QueueInfo extends QueueRef {
  /** iotedge's queue name: `{endpointId}` for the default priority, else `{endpointId}_Pri{priority}`. */
  readonly name: string;
  /** Last completed offset (-1 before the first checkpoint). A queue resumes at `checkpoint + 1`. */
  readonly checkpoint: number;
  /** The offset the next appended entry gets. */
  readonly nextOffset: number;
  /** Entries still stored after the checkpoint, including expired ones cleanup has not removed yet. */
  readonly length: number;
}

/** Store-wide figures. */
export interface StoreStats {
  /** Every queue the store knows, sorted by endpoint id then priority. */
  readonly queues: readonly QueueInfo[];
  /** Stored message copies (each counted once however many queues reference it). */
  readonly messageCount: number;
  /** Bytes counted against the limit: bodies plus property keys and values (UTF-8) of the stored copies. */
  readonly bytes: number;
  /** The configured limit on `bytes`. */
  readonly maxBytes: number;
}

/** The expired entries `cleanup` removed from one queue. */
export interface ExpiredRemoval extends QueueRef {
  readonly count: number;
  readonly offsets: readonly number[];
}

/** What one `cleanup` removed. */
export interface CleanupResult {
  /**
   * Expired entries removed, per queue that had any, with their offsets in ascending order (callers count them as
   * `ttl_expiry` drops; the offsets let a pump skip entries it already accounted for).
   */
  readonly expired: readonly ExpiredRemoval[];
  /** Message copies deleted because no queue referenced them any more. */
  readonly messagesRemoved: number;
  /** Bytes those copies counted against the limit. */
  readonly bytesFreed: number;
}

/**
 * The edge hub's store-and-forward store (reference §4, iotedge `IMessageStore` + `ICheckpointer`): one copy of each
 * message with a reference count, one append-only queue of references per (endpoint, priority), a checkpoint per
 * queue. Implementations: in memory (bounded) and SQLite; both pass `describeMessageStoreContract` in
 * `@verge/testkit`.
 */
export interface MessageStore {
  /**
   * Stores one copy of `message` and appends a reference to the queue of each delivery, atomically: either all of
   * it is stored or nothing. Resolves once it is durable (the caller may then acknowledge the publisher, reference
   * §4 "persisted before PUBACK"); concurrent appends are committed together (group commit) and get offsets in
   * call order. Rejects with `HUB_STORE_FULL` when the message would take the store past its byte limit,
   * `HUB_STORE_ARGUMENT_INVALID` for no delivery / the same endpoint twice / a bad endpoint id, priority or TTL,
   * `HUB_STORE_WRITE_FAILED` when the storage fails, `HUB_STORE_CLOSED` after `close`.
   */
  append(message: Message, deliveries: readonly MessageDelivery[]): Promise<AppendReceipt>;

  /**
   * Reads up to `max` live entries of a queue with offset ≥ `fromOffset`, in offset order, skipping (and listing)
   * entries whose TTL has passed on the store's clock. An unknown queue reads as empty. Sees every append that
   * has resolved; never sees one that will fail.
   */
  read(queue: QueueRef, fromOffset: number, max: number): Promise<ReadResult>;

  /**
   * Marks every entry of the queue up to and including `offset` as completed, and removes them: a message copy is
   * deleted, and its bytes freed, when its last reference goes. Checkpoints only move forward: an offset at or
   * below the current checkpoint is a no-op. Rejects with `HUB_STORE_ARGUMENT_INVALID` when `offset` is at or
   * past the queue's `nextOffset` (or the queue is unknown and `offset` ≥ 0).
   */
  checkpoint(queue: QueueRef, offset: number): Promise<void>;

  /** The queues of one endpoint (or all), sorted by endpoint id then priority (highest priority first). */
  queues(endpointId?: string): Promise<readonly QueueInfo[]>;

  /**
   * Removes every expired entry of every queue (iotedge cleanup with `CheckEntireQueueOnCleanup=true`, since one
   * queue can mix TTLs) and the message copies no queue references any more.
   */
  cleanup(): Promise<CleanupResult>;

  /** Queue lengths and byte usage. */
  stats(): Promise<StoreStats>;

  /** Commits the appends already accepted, then releases the storage. Later calls reject with `HUB_STORE_CLOSED`. */
  close(): Promise<void>;
}

import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  isExpired,
  VergeError,
  type AppendReceipt,
  type CleanupResult,
  type ExpiredRemoval,
  type ExpiredEntry,
  type Message,
  type MessageDelivery,
  type MessageStore,
  type QueueEntry,
  type QueueInfo,
  type QueueRef,
  type ReadResult,
  type StoreStats,
} from '@verge/contracts';
import { closeSqlite, DiskGuard, openSqlite, reserveOf, runMigrations, systemClock, type DiskSpace, type SqliteDatabase } from '@verge/platform';
import { attempt } from './attempt.js';
import { GroupCommit } from './group-commit.js';
import { messageIdGenerator } from './message-ids.js';
import { messageStoreMigrations } from './sqlite-schema.js';
import { QueueTable, type QueueState } from './sqlite-queue-table.js';
import { RecentEntries } from './recent-entries.js';
import { RefusalLatch } from './refusal-latch.js';
import { inCommitCheckpointPages, walMarkPages } from './wal-autocheckpoint.js';
import { WalCheckpointer, type WalCheckpointEvent } from './wal-checkpointer.js';
import { startWalCheckpointWorker, type WalCheckpointRunner } from './wal-checkpoint-worker.js';
import { keptProperties, ParsedRecords, propertiesJson, storedSizeBytes } from './stored-properties.js';
import { entryFromRow, prepareStatements, type StoreStatements } from './sqlite-statements.js';
import {
  checkCheckpoint,
  checkDeliveries,
  checkMaxBytes,
  checkReadArguments,
  defaultSqliteStoreMaxBytes,
  maxExpiredPerRead,
  storeClosedError,
  diskLowError,
  storeFullError,
} from './store-rules.js';

/** Options of {@link openSqliteMessageStore}. */
export interface SqliteMessageStoreOptions {
  /** The database file (created with its directory when missing). */
  readonly path: string;
  /** Limit on stored bodies + properties, in bytes (default 1 GiB). The file adds page, index and WAL overhead. */
  readonly maxBytes?: number;
  /**
   * `NORMAL` (default): an acknowledged append survives a crash or SIGKILL of the process, but the last commits
   * may be lost on power loss or an OS crash (commits reach the OS, not the disk). `FULL`: an acknowledged append
   * also survives power loss (one fsync per group commit; perf-baselines §2: ~287k msgs/s at 100 per commit vs
   * ~8.8k at 1 per commit on the reference disk).
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** Longest an append waits for others to share its commit; 0 (default) commits once per event-loop turn. */
  readonly maxBatchDelayMs?: number;
  /** Appends per commit at most (default 1000); 1 commits every append alone. */
  readonly maxBatchSize?: number;
  /** The clock TTLs are measured with (default `Date.now`). */
  readonly nowMs?: () => number;
  /** Generates `edgeMessageId`s (default {@link messageIdGenerator}: UUID-shaped, unique across restarts). */
  readonly newId?: () => string;
  /**
   * Free disk space kept in reserve: appends are refused (HUB_DISK_LOW) before the disk gets this full, so retiring
   * delivered messages never fails for lack of space. Default: 2% of the filesystem, 8 MiB to 128 MiB.
   */
  readonly reserveDiskBytes?: number;
  /** Test seam: the free-space reading of the database's filesystem (default `fs.statfsSync`). */
  readonly statDisk?: (dir: string) => DiskSpace;
  /** Test seam: what runs the WAL checkpoints (default: a worker thread with its own connection). */
  readonly startWalCheckpointRunner?: (path: string, synchronous: 'NORMAL' | 'FULL', journalSizeLimit: number) => WalCheckpointRunner;
  /** Called after each WAL checkpoint round (measurements, tests). */
  readonly onWalCheckpoint?: (event: WalCheckpointEvent) => void;
  /** Test seam: how long the WAL checkpoint worker may sit idle before its thread ends (default 10 s). */
  readonly walWorkerIdleStopMs?: number;
}

/** Shortest time between two WAL checkpoint rounds while commits keep coming. */
const walRoundEveryMs = 250;
/** The WAL checkpoint worker's thread ends after this long without a round (a new one starts with the next round). */
const walWorkerIdleStopMs = 10_000;

/** The WAL's bound and how its file is found (undefined for `:memory:`, which has no WAL). */
interface WalSetup {
  readonly path: string;
  readonly markPages: number;
  readonly markBytes: number;
  readonly frameBytes: number;
}

/**
 * Opens the durable {@link MessageStore} (iotedge `UsePersistentStorage=true`) on a SQLite file in WAL mode. Queues,
 * offsets and checkpoints survive restarts: each queue resumes after its checkpoint.
 */
export function openSqliteMessageStore(options: SqliteMessageStoreOptions): MessageStore {
  const maxBytes = options.maxBytes ?? defaultSqliteStoreMaxBytes;
  checkMaxBytes(maxBytes);
  // A 2 MiB page cache (SQLite's own default) instead of better-sqlite3's 16 MB: the pumps read recent pages (issue #8 RSS).
  const db = openSqlite(options.path, { synchronous: options.synchronous ?? 'NORMAL', cacheSizeKiB: 2048 });
  try {
    // No `locking_mode = EXCLUSIVE` (it saved ~6 lock system calls per commit): the checkpoint worker needs a second
    // connection. A second runtime on the same data directory is kept out by the directory's lock (data-dir-lock.ts).
    let wal: WalSetup | undefined;
    if (options.path !== ':memory:') {
      const pageBytes = Number(db.pragma('page_size', { simple: true }));
      const markPages = walMarkPages(reserveOf(dirname(options.path), options.reserveDiskBytes, options.statDisk) ?? 0, pageBytes);
      // WAL file: a 32-byte header, then frames of a 24-byte header and a page.
      wal = { path: `${options.path}-wal`, markPages, markBytes: 32 + markPages * (pageBytes + 24), frameBytes: pageBytes + 24 };
      // This connection never checkpoints (wal-checkpointer.ts). At each restart SQLite truncates a WAL file grown
      // past the mark back to it: its size exceeds the mark only while the WAL holds more than the mark.
      db.pragma('wal_autocheckpoint = 0');
      db.pragma(`journal_size_limit = ${wal.markBytes}`);
    }
    runMigrations(db, messageStoreMigrations);
    return new SqliteMessageStore(db, maxBytes, options, wal);
  } catch (e) {
    db.close();
    throw e;
  }
}

class SqliteMessageStore implements MessageStore {
  private readonly st: StoreStatements;
  private readonly table: QueueTable;
  private readonly writer: GroupCommit;
  private readonly disk: DiskGuard | undefined;
  private readonly wal: WalCheckpointer | undefined;
  private readonly refusal = new RefusalLatch();
  private readonly nowMs: () => number;
  private readonly newId: () => string;
  private bytes = 0;
  private messageCount = 0;
  /** Bytes of appends accepted but not committed yet: counted against the limit so a batch cannot overshoot it. */
  private reservedBytes = 0;
  private closed = false;
  /** What the pumps read next, most of the time: the entries committed last (see {@link RecentEntries}). */
  private readonly recent = new RecentEntries();
  /** Property records of entries read from the file, parsed once per distinct text. */
  private readonly records = new ParsedRecords();
  /** Entries of the current transaction, for `recent` once it commits. */
  private uncommitted: { readonly queueId: number; readonly entry: QueueEntry; readonly size: number }[] = [];
  /** In-memory state before the current transaction: put back if it rolls back. */
  private saved: { readonly queues: QueueState[]; readonly bytes: number; readonly messageCount: number } | undefined;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly maxBytes: number,
    options: SqliteMessageStoreOptions,
    wal: WalSetup | undefined,
  ) {
    this.st = prepareStatements(db);
    this.table = new QueueTable(this.st);
    this.nowMs = options.nowMs ?? Date.now;
    this.newId = options.newId ?? messageIdGenerator();
    this.disk =
      options.path === ':memory:'
        ? undefined
        : new DiskGuard({
            dir: dirname(options.path),
            nowMs: this.nowMs,
            ...(options.reserveDiskBytes === undefined ? {} : { reserveBytes: options.reserveDiskBytes }),
            ...(options.statDisk === undefined ? {} : { stat: options.statDisk }),
            reusableBytes: () => this.reusableBytes(),
            // The WAL keeps its largest size: give that space back before refusing (outside any transaction).
            relieve: () => void this.db.pragma('wal_checkpoint(TRUNCATE)'),
            refusal: diskLowError,
          });
    this.writer = new GroupCommit(
      db,
      { maxBatchDelayMs: options.maxBatchDelayMs ?? 0, maxBatchSize: Math.max(1, options.maxBatchSize ?? 1000) },
      {
        begin: () => {
          this.saved = { queues: this.table.snapshot(), bytes: this.bytes, messageCount: this.messageCount };
          this.uncommitted = [];
        },
        beforeCommit: () => {
          // Last step before COMMIT; should the commit itself fail, `afterRollback` forgets them again.
          for (const u of this.uncommitted) this.recent.add(u.queueId, u.entry, u.size);
          this.uncommitted = [];
        },
        afterRollback: () => {
          this.recent.clear();
          this.restore();
        },
        writeFailed: (cause) => writeFailedError(cause, options.path),
        afterCommit: (writes) => this.wal?.afterCommit(writes),
      },
    );
    this.wal = wal === undefined ? undefined : this.walCheckpointer(wal, options);
    this.load();
  }

  append(message: Message, deliveries: readonly MessageDelivery[]): Promise<AppendReceipt> {
    let size: number;
    try {
      this.ensureOpen('append');
      this.refusal.check();
      checkDeliveries(deliveries);
      size = storedSizeBytes(message);
      const used = this.bytes + this.reservedBytes;
      if (used + size > this.maxBytes) throw storeFullError(size, used, this.maxBytes, this.messageCount);
      this.disk?.admit(size);
    } catch (e) {
      this.refusal.observe(e);
      return Promise.reject(e as Error);
    }
    const edgeMessageId = this.newId();
    const enqueuedAtMs = this.nowMs();
    // Bound later, at commit: copy now, the caller's buffer may be a view into a reused network buffer.
    const body = Buffer.from(message.body);
    const properties = propertiesJson(message.properties);
    const systemProperties = propertiesJson(message.systemProperties);
    const targets = deliveries.map((d) => ({ endpointId: d.endpointId, priority: d.priority, ttlSecs: d.ttlSecs }));
    // The entry as `read` would return it, shared by every queue of this message (read results are read-only).
    const stored: Message = {
      body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
      properties: keptProperties(message.properties),
      systemProperties: keptProperties(message.systemProperties),
    };
    this.reservedBytes += size;
    return this.writer.submit(
      (): AppendReceipt => {
        const seq = this.st.insertMessage.run(edgeMessageId, body, properties, systemProperties, size, targets.length).lastInsertRowid;
        const offsets = targets.map((d) => {
          const q = this.table.findOrCreate(d);
          const offset = this.table.takeOffset(q);
          this.st.insertRef.run(q.id, offset, seq, enqueuedAtMs, d.ttlSecs, d.ttlSecs < 0 ? null : enqueuedAtMs + d.ttlSecs * 1000);
          this.uncommitted.push({ queueId: q.id, entry: { offset, edgeMessageId, enqueuedAtMs, ttlSecs: d.ttlSecs, message: stored }, size });
          return { endpointId: d.endpointId, priority: d.priority, offset };
        });
        this.bytes += size;
        this.messageCount += 1;
        return { edgeMessageId, enqueuedAtMs, offsets };
      },
      () => (this.reservedBytes -= size),
    );
  }

  read(queue: QueueRef, fromOffset: number, max: number): Promise<ReadResult> {
    return attempt(() => {
      this.ensureOpen('read');
      checkReadArguments(queue, fromOffset, max);
      const q = this.table.find(queue);
      if (q === undefined) return { entries: [], expired: [], nextOffset: fromOffset };
      const nowMs = this.nowMs();
      return this.recent.read(q.id, fromOffset, max, nowMs, maxExpiredPerRead) ?? this.scan(q.id, fromOffset, max, nowMs);
    });
  }

  checkpoint(queue: QueueRef, offset: number): Promise<void> {
    let queueId: number;
    try {
      this.ensureOpen('checkpoint');
      const q = this.table.find(queue);
      checkCheckpoint(queue, offset, q?.nextOffset ?? 0);
      if (q === undefined || offset <= q.checkpoint) return Promise.resolve();
      queueId = q.id;
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.writer.submit(() => this.applyCheckpoint(queueId, offset));
  }

  queues(endpointId?: string): Promise<readonly QueueInfo[]> {
    return attempt(() => {
      this.ensureOpen('list queues');
      return this.table.infos(endpointId);
    });
  }

  cleanup(): Promise<CleanupResult> {
    try {
      this.ensureOpen('clean up');
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.writer.submit(() => this.applyCleanup(this.nowMs()));
  }

  stats(): Promise<StoreStats> {
    return attempt(() => {
      this.ensureOpen('read stats');
      return { queues: this.table.infos(), messageCount: this.messageCount, bytes: this.bytes, maxBytes: this.maxBytes };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.wal?.close(); // a round under way finishes (and releases the writer) first
    this.writer.drain();
    closeSqlite(this.db);
  }

  private walCheckpointer(wal: WalSetup, options: SqliteMessageStoreOptions): WalCheckpointer {
    const synchronous = options.synchronous ?? 'NORMAL';
    return new WalCheckpointer({
      policy: { markBytes: wal.markBytes, roundEveryMs: walRoundEveryMs, frameBytes: wal.frameBytes },
      writer: this.writer,
      startRunner: () => (options.startWalCheckpointRunner ?? startWalCheckpointWorker)(options.path, synchronous, wal.markBytes),
      walFileBytes: () => statSync(wal.path, { throwIfNoEntry: false })?.size ?? 0,
      nowMs: () => performance.now(),
      // No worker (it failed to start or died): SQLite checkpoints inside the commit that crosses the mark, as before.
      onFailure: () => void (this.closed || this.db.pragma(`wal_autocheckpoint = ${inCommitCheckpointPages(wal.markPages)}`)),
      ...(options.onWalCheckpoint === undefined ? {} : { onRound: options.onWalCheckpoint }),
      idleStop: { afterMs: options.walWorkerIdleStopMs ?? walWorkerIdleStopMs, setTimer: systemClock.setTimer },
    });
  }

  /** Reads rows in chunks until `max` live entries, the queue's end, or the expired-skip bound. */
  private scan(queueId: number, fromOffset: number, max: number, nowMs: number): ReadResult {
    const entries: QueueEntry[] = [];
    const expired: ExpiredEntry[] = [];
    let nextOffset = fromOffset;
    for (;;) {
      const limit = Math.max(max - entries.length, 64);
      const rows = this.st.readEntries.all(queueId, nextOffset, limit);
      for (const row of rows) {
        if (entries.length >= max || expired.length >= maxExpiredPerRead) return { entries, expired, nextOffset };
        if (isExpired({ enqueuedAtMs: row.enqueued_at_ms, ttlSecs: row.ttl_secs }, nowMs)) expired.push({ offset: row.offset, edgeMessageId: row.edge_message_id });
        else entries.push(entryFromRow(row, this.records));
        nextOffset = row.offset + 1;
      }
      if (rows.length < limit || entries.length >= max || expired.length >= maxExpiredPerRead) return { entries, expired, nextOffset };
    }
  }

  private applyCheckpoint(queueId: number, offset: number): void {
    // Look the queue up again: a rolled-back batch may have rebuilt the table since `checkpoint` was called.
    const q = this.table.byRowId(queueId);
    if (q === undefined || offset <= q.checkpoint) return;
    const freed = this.st.deleteSoleUpTo.all(q.id, offset);
    this.st.unrefSharedUpTo.run(q.id, offset);
    q.length -= this.st.deleteRefsUpTo.run(q.id, offset).changes;
    this.st.saveCheckpoint.run(offset, q.id);
    q.checkpoint = offset;
    this.recent.retire(q.id, offset);
    if (freed.length > 0) this.forget(freed.length, freed.reduce((a, b) => a + b, 0));
  }

  private applyCleanup(nowMs: number): CleanupResult {
    const rows = this.st.expiredRefs.all(nowMs);
    if (rows.length > 0) this.recent.clear(); // refs leave in the middle of queues: read them from SQLite
    const byQueue = new Map<number, number[]>();
    for (const row of rows) {
      this.st.unrefOne.run(row.message_seq);
      const offsets = byQueue.get(row.queue_id);
      if (offsets === undefined) byQueue.set(row.queue_id, [row.offset]);
      else offsets.push(row.offset);
    }
    if (rows.length > 0) this.st.deleteExpiredRefs.run(nowMs);
    const expired: ExpiredRemoval[] = [];
    for (const [queueId, offsets] of byQueue) {
      const q = this.table.byRowId(queueId);
      if (q === undefined) continue;
      this.table.saveNextOffset(q); // its last refs may be among those leaving
      q.length -= offsets.length;
      expired.push({ endpointId: q.ref.endpointId, priority: q.ref.priority, count: offsets.length, offsets });
    }
    const removed = this.removeUnreferenced();
    return { expired, messagesRemoved: removed.n, bytesFreed: removed.b };
  }

  /** Bytes of the database file's free pages (left by delivered messages), which new rows reuse first. */
  private reusableBytes(): number {
    if (this.closed) return 0;
    return Number(this.db.pragma('freelist_count', { simple: true })) * Number(this.db.pragma('page_size', { simple: true }));
  }

  /** Deletes the copies no queue references any more; returns how many and their bytes. */
  private removeUnreferenced(): { n: number; b: number } {
    const totals = this.st.unreferencedTotals.get() ?? { n: 0, b: 0 };
    if (totals.n === 0) return totals;
    this.st.deleteUnreferenced.run();
    this.forget(totals.n, totals.b);
    return totals;
  }

  /** `n` stored copies of `b` bytes in all were deleted: space is free again. */
  private forget(n: number, b: number): void {
    this.bytes -= b;
    this.messageCount -= n;
    this.refusal.release();
  }

  private restore(): void {
    if (this.saved === undefined) return this.load();
    this.table.restore(this.saved.queues);
    this.bytes = this.saved.bytes;
    this.messageCount = this.saved.messageCount;
  }

  private load(): void {
    this.table.load();
    const totals = this.st.messageTotals.get() ?? { n: 0, b: 0 };
    this.messageCount = totals.n;
    this.bytes = totals.b;
  }

  private ensureOpen(operation: string): void {
    if (this.closed) throw storeClosedError(operation);
  }
}

/**
 * The error of a write SQLite refused. A full disk is a refusal like the disk guard's (HUB_DISK_LOW, logged once per
 * episode, not per message): the guard reads the disk at most once a second, so a disk that another program filled
 * in between reaches SQLite first.
 */
function writeFailedError(cause: unknown, path: string): VergeError {
  const code = (cause as { code?: unknown }).code;
  const text = cause instanceof Error ? cause.message : String(cause);
  if (code === 'SQLITE_FULL') {
    return new VergeError(
      'HUB_DISK_LOW',
      `message store refuses new messages: the disk holding ${dirname(path)} is full (${code}: ${text}); nothing of this write was stored; acceptance resumes when space frees`,
      { cause, details: { freeBytes: 0 } },
    );
  }
  return new VergeError('HUB_STORE_WRITE_FAILED', `message store write failed and was rolled back (${String(code)}: ${text}); nothing of it was stored`, { cause });
}

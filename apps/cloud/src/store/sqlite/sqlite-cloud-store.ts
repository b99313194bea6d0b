import { dirname } from 'node:path';
import { VergeError } from '@verge/contracts';
import { closeSqlite, DiskGuard, openSqlite, reserveOf, runMigrations, walPagesWithinReserve, type DiskRefusal, type DiskSpace, type SqliteDatabase } from '@verge/platform';
import { GroupCommit } from '../group-commit.js';
import { SERVICE_BOUND_KINDS, type CloudStore, type CloudStoreRepos, type TelemetryEntry, type TelemetryStore } from '../ports.js';
import type { C2dFeedbackRecord, FileNotificationRecord, TelemetryRecord } from '../records.js';
import { createSqliteC2dQueue, createSqliteServiceBoundQueue } from './c2d-queue.js';
import { createSqliteConfigurationRepository } from './configuration-repository.js';
import { createSqliteDeviceRepository } from './device-repository.js';
import { createSqliteJobRepository } from './job-repository.js';
import { messageSizeBytes } from './message-columns.js';
import { cloudMigrations } from './migrations.js';
import { createSqliteModuleRepository } from './module-repository.js';
import { createSqlitePolicyRepository } from './policy-repository.js';
import { createSqliteRolloutRepository } from './rollout-repository.js';
import { createSqliteSessionRepository } from './session-repository.js';
import { SqliteGate } from './sqlite-gate.js';
import { asyncPort } from './sync-ports.js';
import { createSqliteTelemetryTable } from './telemetry-store.js';
import { createSqliteTwinRepository } from './twin-repository.js';

/** WAL pages after which a commit checkpoints, at most (see `openSqliteCloudStore`). */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Options of `openSqliteCloudStore`. */
export interface SqliteCloudStoreOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** Telemetry appends per group-commit transaction at most (default 512). */
  readonly telemetryBatch?: number;
  /**
   * Free disk space kept in reserve: telemetry is refused (CLD_DISK_LOW) before the disk gets this full, so registry,
   * twin and deployment writes and WAL checkpoints always find room (default 2% of the filesystem, 8–128 MiB).
   */
  readonly reserveDiskBytes?: number;
  /** Test seam: the free-space reading of the database's filesystem. */
  readonly statDisk?: (dir: string) => DiskSpace;
  /** Test seam: the clock of the disk guard's readings. */
  readonly nowMs?: () => number;
}

/** The SQLite store, with its connection (tests look inside). */
export type SqliteCloudStore = CloudStore & { readonly db: SqliteDatabase };

/**
 * Opens (creating and migrating as needed) the cloud's SQLite store. better-sqlite3 stays synchronous inside; the
 * gate (`sqlite-gate.ts`) keeps other calls out of an open transaction, and telemetry appends group commit.
 */
export function openSqliteCloudStore(options: SqliteCloudStoreOptions): SqliteCloudStore {
  const db = openSqlite(options.path, { ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }) });
  try {
    runMigrations(db, cloudMigrations);
  } catch (e) {
    db.close();
    throw e;
  }
  const disk = options.path === ':memory:' ? undefined : diskGuardOf(db, options);
  const gate = new SqliteGate();
  const sync = {
    devices: createSqliteDeviceRepository(db),
    modules: createSqliteModuleRepository(db),
    twins: createSqliteTwinRepository(db),
    policies: createSqlitePolicyRepository(db),
    c2d: createSqliteC2dQueue(db),
    c2dFeedback: createSqliteServiceBoundQueue<C2dFeedbackRecord>(db, SERVICE_BOUND_KINDS.c2dFeedback),
    fileNotifications: createSqliteServiceBoundQueue<FileNotificationRecord>(db, SERVICE_BOUND_KINDS.fileNotifications),
    sessions: createSqliteSessionRepository(db),
    configurations: createSqliteConfigurationRepository(db),
    rollouts: createSqliteRolloutRepository(db),
    jobs: createSqliteJobRepository(db),
  };
  const repos = (g: SqliteGate | undefined): CloudStoreRepos => ({
    devices: asyncPort(sync.devices, g),
    modules: asyncPort(sync.modules, g),
    twins: asyncPort(sync.twins, g),
    policies: asyncPort(sync.policies, g),
    c2d: asyncPort(sync.c2d, g),
    c2dFeedback: asyncPort(sync.c2dFeedback, g),
    fileNotifications: asyncPort(sync.fileNotifications, g),
    sessions: asyncPort(sync.sessions, g),
    configurations: asyncPort(sync.configurations, g),
    rollouts: asyncPort(sync.rollouts, g),
    jobs: asyncPort(sync.jobs, g),
  });
  const outside = repos(gate);
  // Inside a transaction the gate is already held: its repositories run at once.
  const inside = repos(undefined);
  const table = createSqliteTelemetryTable(db);
  // Commits are synchronous here, so one batch at a time; entries arriving meanwhile form the next batch.
  const batches = new GroupCommit<TelemetryEntry, TelemetryRecord>((entries) => gate.run(() => table.appendBatch(entries)), {
    maxBatch: options.telemetryBatch ?? 512,
    maxInFlight: 1,
  });
  const reads = { recent: table.recent, after: table.after, prune: table.prune, stats: table.stats };
  const append = (entry: TelemetryEntry): Promise<TelemetryRecord> => {
    try {
      disk?.admit(messageSizeBytes(entry.message));
    } catch (e) {
      return Promise.reject(e);
    }
    return batches.add(entry);
  };
  const telemetry: TelemetryStore = { ...asyncPort<Omit<TelemetryStore, 'append'>>(reads, gate), append };
  let closed = false;
  return {
    db,
    ...outside,
    telemetry,
    transaction: (fn) =>
      gate.exclusive(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(inside);
          db.exec('COMMIT');
          return result;
        } catch (e) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw e;
        }
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      await batches.drain();
      await gate.idle();
      closeSqlite(db);
    },
  };
}

/**
 * Sizes the WAL to the disk reserve and guards telemetry with it. A WAL checkpoint (with its fsyncs) runs inside the
 * commit that crosses the mark and blocks the event loop; SQLite's default of 1000 pages made that every few telemetry
 * batches, so the mark is up to 10,000 pages (≈ 40 MB of WAL). But the mark must fit half the reserve: a checkpoint
 * copies the WAL into the database file, which grows, and a WAL that filled the disk first could never be checkpointed
 * again (found by hand on a 24 MiB disk: the cloud wedged with a 24 MB WAL and a 4 KiB database file). The WAL is
 * truncated back to the mark after each restart (`journal_size_limit`), and once more before a refusal.
 */
function diskGuardOf(db: SqliteDatabase, options: SqliteCloudStoreOptions): DiskGuard {
  const dir = dirname(options.path);
  const pageBytes = Number(db.pragma('page_size', { simple: true }));
  const reserve = reserveOf(dir, options.reserveDiskBytes, options.statDisk);
  const markPages = reserve === undefined ? WAL_AUTOCHECKPOINT_PAGES : walPagesWithinReserve(reserve, pageBytes, WAL_AUTOCHECKPOINT_PAGES);
  db.pragma(`wal_autocheckpoint = ${markPages}`);
  db.pragma(`journal_size_limit = ${markPages * (pageBytes + 24) + 32}`);
  return new DiskGuard({
    dir,
    nowMs: options.nowMs ?? Date.now,
    ...(options.reserveDiskBytes === undefined ? {} : { reserveBytes: options.reserveDiskBytes }),
    ...(options.statDisk === undefined ? {} : { stat: options.statDisk }),
    // Pages that retention freed are reused before the file grows: they count as free.
    reusableBytes: () => Number(db.pragma('freelist_count', { simple: true })) * pageBytes,
    // The WAL keeps its size after a restart: give it back before refusing (never inside an open transaction).
    relieve: () => {
      if (!db.inTransaction) db.pragma('wal_checkpoint(TRUNCATE)');
    },
    refusal: diskLowError,
  });
}

function diskLowError(r: DiskRefusal): VergeError {
  return new VergeError(
    'CLD_DISK_LOW',
    `telemetry refused: the disk holding ${r.dir} has ${r.freeBytes} bytes free, below the ${r.reserveBytes} bytes the cloud keeps in reserve ` +
      'for registry, twin and deployment writes; devices send the message again later. Free space, or let retention prune older telemetry (--retention-bytes)',
    { details: { freeBytes: r.freeBytes, reserveBytes: r.reserveBytes, messageBytes: r.bytes } },
  );
}

import { closeSqlite, openSqlite, runMigrations, type SqliteDatabase } from '@verge/platform';
import { GroupCommit } from '../group-commit.js';
import type { CloudStore, CloudStoreRepos, TelemetryEntry, TelemetryStore } from '../ports.js';
import type { TelemetryRecord } from '../records.js';
import { createSqliteC2dQueue } from './c2d-queue.js';
import { createSqliteConfigurationRepository } from './configuration-repository.js';
import { createSqliteDeviceRepository } from './device-repository.js';
import { createSqliteJobRepository } from './job-repository.js';
import { cloudMigrations } from './migrations.js';
import { createSqliteModuleRepository } from './module-repository.js';
import { createSqlitePolicyRepository } from './policy-repository.js';
import { createSqliteRolloutRepository } from './rollout-repository.js';
import { createSqliteSessionRepository } from './session-repository.js';
import { SqliteGate } from './sqlite-gate.js';
import { asyncPort } from './sync-ports.js';
import { createSqliteTelemetryTable } from './telemetry-store.js';
import { createSqliteTwinRepository } from './twin-repository.js';

/** WAL pages after which a commit checkpoints (see `openSqliteCloudStore`). */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Options of `openSqliteCloudStore`. */
export interface SqliteCloudStoreOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** Telemetry appends per group-commit transaction at most (default 512). */
  readonly telemetryBatch?: number;
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
  // A WAL checkpoint (with its fsyncs) runs inside the commit that crosses the threshold and blocks the event loop;
  // SQLite's default of 1000 pages made that every few telemetry batches. 10,000 pages (≈ 40 MB of WAL) makes it rare.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  const gate = new SqliteGate();
  const sync = {
    devices: createSqliteDeviceRepository(db),
    modules: createSqliteModuleRepository(db),
    twins: createSqliteTwinRepository(db),
    policies: createSqlitePolicyRepository(db),
    c2d: createSqliteC2dQueue(db),
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
  const telemetry: TelemetryStore = { ...asyncPort<Omit<TelemetryStore, 'append'>>(reads, gate), append: (entry) => batches.add(entry) };
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

import type { Pool } from 'pg';
import { VergeError } from '@verge/contracts';
import { SERVICE_BOUND_KINDS, type CloudStore, type CloudStoreRepos } from '../ports.js';
import type { C2dFeedbackRecord, FileNotificationRecord } from '../records.js';
import { createPgC2dQueue, createPgServiceBoundQueue } from './c2d-queue.js';
import { createPgConfigurationRepository } from './configuration-repository.js';
import { createPgDeviceRepository } from './device-repository.js';
import { createPgJobRepository } from './job-repository.js';
import { runPgMigrations, type PgMigrationResult } from './pg-migration-runner.js';
import { pgCloudMigrations } from './pg-migrations.js';
import { databaseUnavailable, openPgPool, type PgPoolOptions } from './pg-pool.js';
import type { PgQueryable } from './pg-queryable.js';
import { inPgTransaction } from './pg-transaction.js';
import { createPgModuleRepository } from './module-repository.js';
import { createPgPolicyRepository } from './policy-repository.js';
import { createPgRolloutRepository } from './rollout-repository.js';
import { createPgSessionRepository } from './session-repository.js';
import { createPgTelemetryStore, type PgTelemetryOptions } from './telemetry-store.js';
import { createPgTwinRepository } from './twin-repository.js';

/** Options of `openPostgresCloudStore`. */
export interface PostgresCloudStoreOptions extends PgPoolOptions {
  readonly telemetry?: PgTelemetryOptions;
}

/** The PostgreSQL store, with its pool and what the migrations did at open. */
export type PostgresCloudStore = CloudStore & { readonly pool: Pool; readonly migrations: PgMigrationResult };

function reposOn(db: PgQueryable): CloudStoreRepos {
  return {
    devices: createPgDeviceRepository(db),
    modules: createPgModuleRepository(db),
    twins: createPgTwinRepository(db),
    policies: createPgPolicyRepository(db),
    c2d: createPgC2dQueue(db),
    c2dFeedback: createPgServiceBoundQueue<C2dFeedbackRecord>(db, SERVICE_BOUND_KINDS.c2dFeedback),
    fileNotifications: createPgServiceBoundQueue<FileNotificationRecord>(db, SERVICE_BOUND_KINDS.fileNotifications),
    sessions: createPgSessionRepository(db),
    configurations: createPgConfigurationRepository(db),
    rollouts: createPgRolloutRepository(db),
    jobs: createPgJobRepository(db),
  };
}

/**
 * Opens the cloud's PostgreSQL store: a pool on `url` (start fails with CLD_DATABASE_URL_INVALID or
 * CLD_DATABASE_UNAVAILABLE when it cannot be used), the versioned migrations applied under an advisory lock, then
 * repositories on the pool (each call on its own) and `transaction(fn)` with repositories bound to one client
 * between BEGIN and COMMIT. Several cloud instances may open the same database at once.
 */
export async function openPostgresCloudStore(options: PostgresCloudStoreOptions): Promise<PostgresCloudStore> {
  const pool = await openPgPool(options);
  let migrations: PgMigrationResult;
  try {
    migrations = await runPgMigrations(pool, pgCloudMigrations, options.schema);
  } catch (e) {
    await pool.end();
    throw e instanceof VergeError ? e : databaseUnavailable(options.url, e, 'its schema could not be migrated');
  }
  options.log?.info({ component: 'postgres', from: migrations.from, to: migrations.to, applied: migrations.applied }, 'PostgreSQL store open');
  const telemetry = createPgTelemetryStore(pool, options.telemetry);
  const running = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;
  return {
    pool,
    migrations,
    ...reposOn(pool),
    telemetry,
    transaction<T>(fn: (tx: CloudStoreRepos) => Promise<T>): Promise<T> {
      const p = inPgTransaction(pool, (client) => fn(reposOn(client)));
      const tracked = p.then(noop, noop).finally(() => running.delete(tracked));
      running.add(tracked);
      return p;
    },
    close() {
      closing ??= (async () => {
        await telemetry.drain();
        await Promise.all(running);
        await pool.end();
      })();
      return closing;
    },
  };
}

function noop(): void {}

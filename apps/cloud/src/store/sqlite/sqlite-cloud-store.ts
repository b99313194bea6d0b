import { closeSqlite, openSqlite, runMigrations, type SqliteDatabase } from '@verge/platform';
import type { CloudStore } from '../ports.js';
import { createSqliteC2dQueue } from './c2d-queue.js';
import { createSqliteDeviceRepository } from './device-repository.js';
import { cloudMigrations } from './migrations.js';
import { createSqliteModuleRepository } from './module-repository.js';
import { createSqlitePolicyRepository } from './policy-repository.js';
import { createSqliteSessionRepository } from './session-repository.js';
import { createSqliteTelemetryStore } from './telemetry-store.js';
import { createSqliteTwinRepository } from './twin-repository.js';

/** Options of `openSqliteCloudStore`. */
export interface SqliteCloudStoreOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
  readonly synchronous?: 'NORMAL' | 'FULL';
}

/** Opens (creating and migrating as needed) the cloud's SQLite store. */
export function openSqliteCloudStore(options: SqliteCloudStoreOptions): CloudStore & { readonly db: SqliteDatabase } {
  const db = openSqlite(options.path, { ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }) });
  try {
    runMigrations(db, cloudMigrations);
  } catch (e) {
    db.close();
    throw e;
  }
  return {
    db,
    devices: createSqliteDeviceRepository(db),
    modules: createSqliteModuleRepository(db),
    twins: createSqliteTwinRepository(db),
    policies: createSqlitePolicyRepository(db),
    c2d: createSqliteC2dQueue(db),
    telemetry: createSqliteTelemetryStore(db),
    sessions: createSqliteSessionRepository(db),
    // better-sqlite3 turns a nested transaction into a savepoint, so services may compose.
    transaction: (fn) => db.transaction(fn)(),
    close: () => closeSqlite(db),
  };
}

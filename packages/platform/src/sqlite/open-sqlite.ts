import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { createDirectoriesSync } from '../fs/create-directories.js';

/** A better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** Options of `openSqlite`. */
export interface OpenSqliteOptions {
  /** How long a statement waits for a lock held by another connection before failing with SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
  /**
   * `NORMAL` (default) keeps every committed transaction across a crash of the process (SIGKILL included);
   * only an operating-system crash or power loss may lose the last commits. `FULL` also survives those, at
   * the price of one fsync per commit. (SQLite's own recommendation for WAL mode is NORMAL.)
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /**
   * Bound of the connection's page cache in KiB (`PRAGMA cache_size = -N`). better-sqlite3's build default is
   * 16,000 KiB per connection, which a busy message store fills and keeps: the edge hub's store sets less (issue #8).
   */
  readonly cacheSizeKiB?: number;
}

/**
 * Opens (creating the file and its directory when missing) a SQLite database in WAL mode with a busy
 * timeout and foreign keys on. `:memory:` opens a private in-memory database. A new database file is created
 * 0600 and missing directories 0700 (databases hold keys and messages); SQLite gives its `-wal` and `-shm` files
 * the mode of the database file. Existing files keep their mode (callers narrow them: `tightenPrivateFiles`).
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  if (path !== ':memory:') {
    createDirectoriesSync(dirname(path), 0o700);
    closeSync(openSync(path, 'a', 0o600)); // creates it 0600 when missing; SQLite would use 0644
  }
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    if (options.cacheSizeKiB !== undefined) db.pragma(`cache_size = -${Math.max(64, Math.trunc(options.cacheSizeKiB))}`);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/**
 * Closes a database cleanly: folds the WAL back into the main file (`wal_checkpoint(TRUNCATE)`) so the
 * file on disk is complete on its own, then closes. Safe to call twice.
 */
export function closeSqlite(db: SqliteDatabase): void {
  if (!db.open) return;
  if (!db.memory) db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** A held directory lock; `release` is idempotent. */
export interface DirectoryLock {
  release(): void;
}

/**
 * Claims a data directory for this process before anything in it is touched: the edge runtime (`runtime.lock`) and
 * the cloud (`cloud.lock`) each hold one from start to stop, so a second process on the same `--data` stops at once
 * instead of sharing sockets, queues, keys and `credentials.json` with the first. Node has no flock; a SQLite database
 * in EXCLUSIVE locking mode with a rollback journal keeps its exclusive file lock from its first write until it is
 * closed (SQLite also sees a second connection of the same process), and the OS drops it when the process dies
 * (SIGKILL included), so a stale lock never outlives its holder. Throws `inUse()` when another holder has it.
 */
export function lockDirectory(dir: string, fileName: string, inUse: (cause: unknown) => Error): DirectoryLock {
  const path = join(dir, fileName);
  let db: Database.Database | undefined;
  try {
    closeSync(openSync(path, 'a', 0o600)); // created 0600 when missing, as every file of a data directory
    db = new Database(path);
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE'); // a rollback journal: WAL mode would let other connections read and write
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec(`BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL); DELETE FROM holder; INSERT INTO holder (pid) VALUES (${process.pid}); COMMIT`);
  } catch (e) {
    db?.close();
    if ((e as { code?: unknown }).code === 'SQLITE_BUSY') throw inUse(e);
    throw e;
  }
  const held = db;
  return { release: () => held.open && held.close() };
}

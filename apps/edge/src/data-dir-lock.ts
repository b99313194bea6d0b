import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { VergeError } from '@verge/contracts';

/** The file whose lock marks a data directory as in use by a running edge runtime. */
export const DATA_DIR_LOCK_FILE = 'runtime.lock';

/** A held data-directory lock; `release` is idempotent. */
export interface DataDirLock {
  release(): void;
}

/**
 * Claims the data directory for this runtime before anything in it is touched (issue 9 review: a second runtime on the
 * same `--data` would otherwise rebind the first one's workload sockets and share its queues). Node has no flock;
 * a SQLite database in EXCLUSIVE locking mode with a rollback journal keeps the exclusive file lock from its first
 * write until it is closed, and the OS drops it when the process dies (SIGKILL included), so a stale lock never
 * outlives its runtime. Fails at once with EDGE_DATA_DIR_IN_USE when another process holds it.
 */
export function lockEdgeDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, DATA_DIR_LOCK_FILE);
  let db: Database.Database | undefined;
  try {
    closeSync(openSync(path, 'a', 0o600)); // created 0600 when missing, as every file of the data directory
    db = new Database(path);
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE'); // a rollback journal: WAL mode would let other connections read and write
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec(`BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL); DELETE FROM holder; INSERT INTO holder (pid) VALUES (${process.pid}); COMMIT`);
  } catch (e) {
    db?.close();
    if ((e as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw new VergeError('EDGE_DATA_DIR_IN_USE', `the data directory ${dataDir} (--data) is in use by another edge runtime; stop that runtime or choose another --data`, { cause: e });
    }
    throw e;
  }
  const held = db;
  return { release: () => held.open && held.close() };
}

import { VergeError } from '@verge/contracts';
import { lockDirectory, type DirectoryLock } from '@verge/platform';

/** The file whose lock marks a data directory as in use by a running edge runtime. */
export const DATA_DIR_LOCK_FILE = 'runtime.lock';

/** A held data-directory lock; `release` is idempotent. */
export type DataDirLock = DirectoryLock;

/**
 * Claims the data directory for this runtime before anything in it is touched (issue 9 review: a second runtime on the
 * same `--data` would otherwise rebind the first one's workload sockets and share its queues); see `lockDirectory`.
 * Fails at once with EDGE_DATA_DIR_IN_USE when another process holds it.
 */
export function lockEdgeDataDir(dataDir: string): DataDirLock {
  return lockDirectory(
    dataDir,
    DATA_DIR_LOCK_FILE,
    (cause) => new VergeError('EDGE_DATA_DIR_IN_USE', `the data directory ${dataDir} (--data) is in use by another edge runtime; stop that runtime or choose another --data`, { cause }),
  );
}

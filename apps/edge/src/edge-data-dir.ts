import { chmod, lstat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VergeError } from '@verge/contracts';
import { createDirectories, ensurePrivateDir, fsErrorCause, probeWritable, tightenPrivateFiles, type Logger } from '@verge/platform';
import { EDGE_CONFIG_FILE } from './config-file.js';
import type { EdgeConfig } from './config.js';

// The edge data directory holds the device key (config/edge.json), the edge CA key, module identity caches, the
// agent's state and the hub's store (messages, the device scope with leaf keys). Issue #7: every secret is 0600 in a
// 0700 directory, and a directory that cannot be written is one line naming it, not a stack trace.

/** Directories of the data directory that hold secrets: owner only (0700). */
export const PRIVATE_SUBDIRS = ['config', 'pki', 'agent', 'hub', 'modules', 'workload'] as const;

// Only traversal (no listing) for others: process modules running as their own uid must reach their own socket
// directory below it (each one 0700, owned by its module's user).
const TRAVERSE_ONLY_MODE = 0o711;

/**
 * Creates the data directory and its secret subdirectories 0700 (narrowing existing ones), proves the directory
 * writable, and narrows secret files an older Verge left readable to 0600 (logged once as a warning). With
 * dedicated process-module users, their socket directory (outside the data directory, e.g. /run/verge-edge/…) is
 * created traverse-only (0711) and must belong to this process's user, never through a symbolic link. Throws
 * EDGE_DATA_DIR_UNWRITABLE naming the directory and the cause.
 */
export async function prepareEdgeDataDir(config: Pick<EdgeConfig, 'dataDir' | 'processSocketsDir'>, log: Logger): Promise<void> {
  const { dataDir } = config;
  const narrowed: string[] = [];
  await guarded(dataDir, dataDir, async () => {
    if ((await ensurePrivateDir(dataDir)) !== undefined) narrowed.push(dataDir);
    await probeWritable(dataDir);
  });
  for (const name of PRIVATE_SUBDIRS) {
    const dir = join(dataDir, name);
    await guarded(dataDir, dir, async () => {
      if ((await ensurePrivateDir(dir)) !== undefined) narrowed.push(dir);
    });
  }
  if (config.processSocketsDir !== undefined) {
    const run = config.processSocketsDir;
    await guarded(dataDir, run, async () => {
      for (const dir of [dirname(run), run]) {
        await createDirectories(dir, TRAVERSE_ONLY_MODE);
        const info = await lstat(dir);
        if (!info.isDirectory() || info.uid !== process.getuid?.()) {
          throw Object.assign(new Error(`${dir} is not a directory of this user (a symbolic link, or created by another user)`), { code: 'EPERM' });
        }
        await chmod(dir, TRAVERSE_ONLY_MODE);
      }
    });
  }
  const files = await guarded(dataDir, dataDir, () => tightenPrivateFiles(secretFilesOf(dataDir)));
  narrowed.push(...files);
  if (narrowed.length > 0) log.warn({ dataDir, tightened: narrowed }, 'narrowed the permissions of the data directory and its secret files to the owner (they were readable by other users)');
}

/** Files of the data directory that hold secrets (or data only the runtime may read). */
export function secretFilesOf(dataDir: string): string[] {
  const sqlite = (path: string): string[] => [path, `${path}-wal`, `${path}-shm`, `${path}-journal`];
  return [
    join(dataDir, EDGE_CONFIG_FILE),
    join(dataDir, 'pki', 'edge-ca.key.pem'),
    join(dataDir, 'agent', 'identities.json'),
    join(dataDir, 'agent', 'desired-backup.json'),
    join(dataDir, 'agent', 'ledger.json'),
    join(dataDir, 'modules', 'modules.json'),
    join(dataDir, 'hub', 'server-key.pem'),
    ...sqlite(join(dataDir, 'hub', 'messages.db')),
    ...sqlite(join(dataDir, 'hub', 'hub-state.db')),
  ];
}

async function guarded<T>(dataDir: string, dir: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const cause = fsErrorCause(e);
    const what = dir === dataDir ? `the data directory ${dataDir} (--data) cannot be created or written` : `the data directory ${dataDir} (--data): ${dir} cannot be created or written`;
    throw new VergeError('EDGE_DATA_DIR_UNWRITABLE', `${what}: ${cause}`, { cause: e, details: { dir, code } });
  }
}

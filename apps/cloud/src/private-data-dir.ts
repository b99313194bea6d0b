import { join } from 'node:path';
import { VergeError } from '@verge/contracts';
import { ensurePrivateDir, fsErrorCause, probeWritable, tightenPrivateFiles, type Logger } from '@verge/platform';

/**
 * Files of the cloud's data directory that hold secrets: the database (the owner policy key and every device key,
 * also in its WAL), the CA and server private keys, and credentials.json (the owner connection string).
 * Certificates (`ca.pem`, `server-chain.pem`) are public; the 0700 directory still keeps other users out.
 */
export function secretFilesOf(dataDir: string, databaseFile: string, credentialsFile: string): string[] {
  const db = join(dataDir, databaseFile);
  return [db, `${db}-wal`, `${db}-shm`, `${db}-journal`, join(dataDir, 'ca-key.pem'), join(dataDir, 'server-key.pem'), join(dataDir, credentialsFile)];
}

/**
 * Makes the data directory private before anything is read or written in it: creates it 0700 (or narrows it),
 * proves it writable, and narrows the secret files an older Verge (or a copy) left readable by others to 0600. What
 * it changed is logged once, as a warning: until now other local users could read those secrets. A directory that
 * cannot be created or written throws CLD_DATA_DIR_UNWRITABLE naming it and the cause.
 */
export async function securePrivateDataDir(dataDir: string, secretFiles: readonly string[], log: Logger): Promise<void> {
  let dir: string | undefined;
  let files: string[];
  try {
    dir = await ensurePrivateDir(dataDir);
    await probeWritable(dataDir);
    files = await tightenPrivateFiles(secretFiles);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new VergeError('CLD_DATA_DIR_UNWRITABLE', `the data directory ${dataDir} (--data) cannot be created or written: ${fsErrorCause(e)}`, { cause: e, details: { dir: dataDir, code } });
  }
  const tightened = [...(dir === undefined ? [] : [dir]), ...files];
  if (tightened.length > 0) {
    log.warn({ dataDir, tightened }, 'narrowed the permissions of the data directory and its secret files to the owner (they were readable by other users)');
  }
}

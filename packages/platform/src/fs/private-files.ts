import { randomBytes } from 'node:crypto';
import { chmod, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDirectories } from './create-directories.js';

/** Permission bits of a directory that holds secrets: the owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Permission bits of a file that holds a secret (a key, a database of keys, a connection string). */
export const PRIVATE_FILE_MODE = 0o600;

// Group and other bits: any of them set means another local user may read (or enter) the path.
const SHARED_BITS = 0o077;

/**
 * Creates `dir` (and missing parents) with mode 0700, or narrows an existing one to 0700 when group or others had
 * any access. Returns the path when it narrowed an existing directory (for the caller to log), else undefined.
 */
export async function ensurePrivateDir(dir: string): Promise<string | undefined> {
  await createDirectories(dir, PRIVATE_DIR_MODE);
  return (await narrow(dir, PRIVATE_DIR_MODE)) ? dir : undefined;
}

/** Proves `dir` writable by creating and removing a file in it (throws the file system's error). */
export async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `.write-probe-${randomBytes(4).toString('hex')}`);
  await writeFile(probe, '', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  await rm(probe, { force: true });
}

/**
 * Narrows each existing file of `paths` to 0600 when group or others had any access (files that do not exist are
 * skipped). Returns the paths it changed, for the caller to log once.
 */
export async function tightenPrivateFiles(paths: readonly string[]): Promise<string[]> {
  const changed: string[] = [];
  for (const path of paths) if (await narrow(path, PRIVATE_FILE_MODE)) changed.push(path);
  return changed;
}

async function narrow(path: string, mode: number): Promise<boolean> {
  let current: number;
  try {
    current = (await stat(path)).mode & 0o777;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  if ((current & SHARED_BITS) === 0) return false;
  await chmod(path, mode);
  return true;
}

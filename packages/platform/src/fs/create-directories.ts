import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that always ends. Node's `mkdir(…, { recursive: true })` spins forever (100% CPU, the promise never
 * settles, the sync form freezes the event loop) when a parent exists but cannot hold children and answers ENOENT
 * for them: anything below /proc or /sys, or below a dangling symbolic link (nodejs/node, same in Node 18 to 22). A
 * user's `--data /proc/verge` hung `verge cloud start` and `verge edge start` with no output. Here a child that is
 * still not found once its parent exists fails with that ENOENT, and a file in the way fails with ENOTDIR.
 */
export async function createDirectories(dir: string, mode: number): Promise<void> {
  try {
    await mkdir(dir, { mode });
    return;
  } catch (e) {
    if (!(await retryBelowParent(e, dir))) return;
  }
  await createDirectories(dirname(dir), mode);
  try {
    await mkdir(dir, { mode });
  } catch (e) {
    if (code(e) !== 'EEXIST' || !(await stat(dir)).isDirectory()) throw e; // ENOENT again: the parent cannot hold it
  }
}

/** {@link createDirectories}, synchronously. */
export function createDirectoriesSync(dir: string, mode: number): void {
  try {
    mkdirSync(dir, { mode });
    return;
  } catch (e) {
    if (!retryBelowParentSync(e, dir)) return;
  }
  createDirectoriesSync(dirname(dir), mode);
  try {
    mkdirSync(dir, { mode });
  } catch (e) {
    if (code(e) !== 'EEXIST' || !statSync(dir).isDirectory()) throw e;
  }
}

/** After a failed mkdir of `dir`: false when done (it exists as a directory), true to create its parent first; else throws. */
async function retryBelowParent(e: unknown, dir: string): Promise<boolean> {
  if (code(e) === 'EEXIST') {
    if ((await stat(dir)).isDirectory()) return false;
    throw notADirectory(dir, e);
  }
  if (code(e) === 'ENOENT' && dirname(dir) !== dir) return true;
  throw e;
}

/** {@link retryBelowParent}, synchronously. */
function retryBelowParentSync(e: unknown, dir: string): boolean {
  if (code(e) === 'EEXIST') {
    if (statSync(dir).isDirectory()) return false;
    throw notADirectory(dir, e);
  }
  if (code(e) === 'ENOENT' && dirname(dir) !== dir) return true;
  throw e;
}

function notADirectory(dir: string, cause: unknown): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`, { cause }), { code: 'ENOTDIR', path: dir, syscall: 'mkdir' });
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

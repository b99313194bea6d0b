// Figures of a running process and of data on disk, read from /proc and the file system (Linux).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** VmRSS of `pid` in bytes (`/proc/PID/status`), or undefined when the process is gone. */
export function rssBytes(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    const kb = line === undefined ? NaN : Number(line.replace(/[^0-9]/g, ''));
    return Number.isFinite(kb) ? kb * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Number of open file descriptors of `pid` (`/proc/PID/fd`), or undefined when the process is gone. */
export function openFiles(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** Total size in bytes of the regular files under `path` (a file or a directory), 0 when it does not exist. */
export function diskBytes(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (stat.isFile()) return stat.size;
  if (!stat.isDirectory()) return 0;
  let total = 0;
  for (const entry of readdirSync(path)) total += diskBytes(join(path, entry));
  return total;
}

/** Sum of the sizes of `files` (missing ones count 0), e.g. a SQLite database with its -wal and -shm. */
export function filesBytes(files) {
  return files.reduce((n, f) => n + diskBytes(f), 0);
}

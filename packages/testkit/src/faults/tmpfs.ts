import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Mounts a tmpfs of `sizeBytes` on `dir` (created if missing); needs root (CAP_SYS_ADMIN). */
export function mountTmpfs(dir: string, sizeBytes: number): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
}

/** Unmounts `dir` (lazily, so a file still open does not keep it mounted); no error when it is not mounted. */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  } catch {
    // not mounted
  }
}

/** Why this machine cannot mount a small filesystem for a test (undefined: it can), found by mounting one. */
export function tmpfsProblem(): string | undefined {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  const probe = mkdtempSync(join(tmpdir(), 'verge-tmpfs-probe-'));
  try {
    mountTmpfs(probe, 1024 * 1024);
    unmountTmpfs(probe);
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs (run as root with CAP_SYS_ADMIN): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  } finally {
    rmdirSync(probe);
  }
}

/** Free bytes of the filesystem holding `dir`, as an unprivileged writer sees them. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

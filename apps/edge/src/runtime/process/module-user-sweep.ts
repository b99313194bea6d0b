import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessUser } from './module-access.js';

// A module that runs as its own uid can leave processes outside its process group (a child that calls setsid, as
// `spawn(..., { detached: true })` does): signalling the group does not reach them, they keep running after the module
// is stopped or removed, and they keep the uid. The runtime gives a freed uid to the next module it creates, so such a
// leftover could open that module's workload socket and sign as it. A container cannot leave processes behind; a
// process module's uid is its container: everything running as it belongs to the module.

const SWEEP_TIMEOUT_MS = 5_000;
const SCAN_PASSES = 20;

/**
 * Kills every process running as `user` (the module's dedicated uid). `kill(-1, SIGKILL)` run as that uid signals
 * every process the caller may signal, which for a dedicated uid are exactly the module's, and Linux does it under
 * the task-list lock, so a process forking meanwhile cannot leave a child behind. When that helper cannot run as the
 * uid (the runtime's node out of its reach), the processes found in /proc with that uid are killed instead, pass
 * after pass until none is left.
 */
export async function killProcessesOfUser(user: AccessUser): Promise<void> {
  if (await killAllAs(user)) return;
  for (let pass = 0; pass < SCAN_PASSES; pass++) {
    const pids = await pidsOfUid(user.uid);
    if (pids.length === 0) return;
    for (const pid of pids) signal(pid);
    await sleep(10);
  }
}

/** Runs `process.kill(-1, 'SIGKILL')` as `user`; true when it ran. */
function killAllAs(user: AccessUser): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', "try{process.kill(-1,'SIGKILL')}catch{}"], { uid: user.uid, gid: user.gid, cwd: '/', env: {}, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), SWEEP_TIMEOUT_MS);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/** Pids whose real, effective, saved or file-system uid is `uid` (the `Uid:` line of /proc/<pid>/status). */
async function pidsOfUid(uid: number): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const uids = /^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/).map(Number) ?? [];
    if (uids.includes(uid)) found.push(Number(entry));
  }
  return found;
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

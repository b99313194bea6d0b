import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog } from '@verge/testkit';
import { OTHER_USER } from '@verge/testkit/edge';
import { WorkloadServer } from '../../../src/workload/index.js';
import { testContext } from '../../unit/workload/fixture.js';

// A process module running as its own user owns the directory of its workload socket. While the runtime (root) set
// the socket's mode and owner by path, that user could swap the fresh socket for a symbolic link to any file, and
// the runtime's chmod/chown followed it: the module user took ownership of a root file (privilege escalation).

const IS_ROOT = process.getuid?.() === 0;
const MODULE = 'swapper';
const ATTEMPTS = 1000;
// Replaces the socket with a link to the victim as fast as it can, for as long as it runs.
const SWAPPER = "const fs=require('node:fs');const [p,v]=process.argv.slice(1);for(;;){try{fs.unlinkSync(p);fs.symlinkSync(v,p);}catch{}}";

describe.skipIf(!IS_ROOT)("a process module's workload socket (runtime as root, module as its own user)", () => {
  let dir: string;
  let server: WorkloadServer;
  let swapper: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/vws-');
    await chmod(dir, 0o711); // module users traverse down to their own directory
    server = await WorkloadServer.start({ moduleSocketsDir: join(dir, 'mnt'), processSocketsDir: join(dir, 'proc'), context: await testContext({ nowMs: Date.now }), log: silentLog() });
  });

  afterAll(async () => {
    swapper?.kill('SIGKILL');
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is never handed over through a link the module user put in its place: no file outside changes owner or mode', async () => {
    const victim = join(dir, 'root-owned.txt');
    await writeFile(victim, 'root only\n', { mode: 0o644 });
    const socketPath = server.moduleSocketPath(MODULE, 'process');
    swapper = spawn(process.execPath, ['-e', SWAPPER, socketPath, victim], { ...OTHER_USER, stdio: 'ignore' });
    for (let i = 0; i < ATTEMPTS; i++) {
      // The swap may break the module's own socket (ensure then fails); what must never happen is the chown below.
      await server.ensure(MODULE, OTHER_USER).catch(() => undefined);
      await server.release(MODULE).catch(() => undefined);
      const now = await stat(victim);
      if (now.uid !== 0 || (now.mode & 0o777) !== 0o644) break;
    }
    const after = await stat(victim);
    expect({ uid: after.uid, mode: after.mode & 0o777 }).toEqual({ uid: 0, mode: 0o644 });
  });
});

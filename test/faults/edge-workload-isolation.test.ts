import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { startEdge, type RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { listManagedModules, managedModuleLogs, startTestEdge, deployment, announceSkip, stageModules, unreachableByOthers } from '@verge/testkit/edge';

// Issue 7, "let no one in": the workload API signs with module keys, so (1) a shared listener that cannot tell
// callers apart (loopback TCP, the shared unix socket) is refused unless explicitly allowed, and (2) a process module
// cannot open another module's workload socket: run as root, the runtime starts each process module as its own
// unprivileged uid and gives it a socket (0600) in a directory (0700) owned by that uid. A real process module tries
// to connect to another module's socket and must get EACCES. Each also gets a HOME and TMPDIR of its own. The two
// modules import no package, so they are staged in a world-readable temporary directory: the test runs wherever
// the repository lives (a clone under /root, mode 0700, is out of the module users' reach).

const EDGE_ID = 'edge-isolation';
const ISOLATION_SUITE = 'process modules as their own users (runtime as root)';
const SKIP_REASON =
  process.getuid?.() !== 0 ? 'the tests do not run as root (only root can start process modules as their own users)' : await unreachableByOthers([]).then((why) => why && `node itself is out of other users' reach: ${why}`);
if (SKIP_REASON !== undefined) announceSkip(ISOLATION_SUITE, SKIP_REASON);
const KEY = Buffer.alloc(32, 9).toString('base64');

describe('shared workload listeners', () => {
  it.each([
    ['loopback TCP', 'http://127.0.0.1:0'],
    ['a shared unix socket', 'unix:///tmp/verge-shared-workload.sock'],
  ])('refuses %s unless explicitly allowed, naming the setting', async (_name, workloadUri) => {
    const tmp = tempDir('verge-wl-');
    try {
      const refused = await startEdge({ connectionString: `HostName=h;DeviceId=d;SharedAccessKey=${KEY}`, dataDir: join(tmp.dir, 'edge'), workloadUri }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isVergeError(refused, 'EDGE_CONFIG_INVALID')).toBe(true);
      expect((refused as Error).message).toContain(`workloadUri: ${workloadUri} is a shared workload listener that signs for ANY module`);
      expect((refused as Error).message).toContain('--insecure-shared-workload-api');
    } finally {
      tmp.cleanup();
    }
  });
});

describe.skipIf(SKIP_REASON !== undefined)(ISOLATION_SUITE, () => {
  const tmp = tempDir('verge-iso-');
  let staged: { dir: string; cleanup: () => void } | undefined;
  let t: TestCloud;
  let edge: RunningEdge;

  beforeAll(async () => {
    staged = await stageModules(['sleeper.mjs', 'socket-prober.mjs', 'session-leaver.mjs']);
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const { connectionString } = await createEdgeDevice(t, EDGE_ID);
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString, runtime: 'process', processUser: 'dedicated' });
  });

  afterAll(async () => {
    await edge?.stop();
    await t?.cloud.stop();
    staged?.cleanup();
    tmp.cleanup();
  });

  it("gives each process module its own uid and socket; another module's socket answers EACCES", async () => {
    expect(edge.config.processUser).toBe('dedicated');
    const socketsDir = edge.config.processSocketsDir;
    if (socketsDir === undefined) throw new Error('no process sockets directory');
    const victimSocket = join(socketsDir, 'victim', 'workload.sock');
    const runner = { kind: 'process', node: process.execPath, modulesDir: staged?.dir } as const;
    const manifest = deployment(runner, { victim: { file: 'sleeper.mjs' }, prober: { file: 'socket-prober.mjs', env: { PROBE_SOCKET: victimSocket } } }, { routes: {} });
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);

    const log = await eventually(async () => {
        const text = await managedModuleLogs(edge, 'prober');
        return text.includes('probe other:') ? text : undefined;
      }, { description: "the prober module to try the victim's socket", timeoutMs: 60_000, intervalMs: 300 });
    const lines = log.split('\n');
    expect(lines).toContain('probe own: connected');
    expect(lines).toContain('probe other: EACCES');
    expect(lines).not.toContain('probe other: connected');

    const victimLog = await eventually(async () => (await managedModuleLogs(edge, 'victim')).match(/sleeper up as uid (\d+) with HOME (\S*) TMPDIR (\S*)/) ?? undefined, { description: 'the victim module to start', timeoutMs: 30_000 });
    const proberUid = Number(/uid (\d+)/.exec(log)?.[1]);
    const victimUid = Number(victimLog[1]);
    expect(victimUid).toBeGreaterThan(0);
    expect(proberUid).toBeGreaterThan(0);
    expect(proberUid).not.toBe(victimUid);

    const dir = await stat(join(socketsDir, 'victim'));
    const socket = await stat(victimSocket);
    expect({ uid: dir.uid, mode: dir.mode & 0o777 }).toEqual({ uid: victimUid, mode: 0o700 });
    expect({ uid: socket.uid, mode: socket.mode & 0o777 }).toEqual({ uid: victimUid, mode: 0o600 });

    // Its own HOME and TMPDIR (not the runtime's), owned by its uid and closed to the others.
    const [home, tmpdir] = [victimLog[2] ?? '', victimLog[3] ?? ''];
    expect(home).not.toBe(process.env['HOME']);
    expect(home.startsWith(edge.config.processHomesDir ?? '(none)')).toBe(true);
    for (const path of [home, tmpdir]) {
      const s = await stat(path);
      expect({ path, uid: s.uid, mode: s.mode & 0o777 }).toEqual({ path, uid: victimUid, mode: 0o700 });
    }
  });

  it("leaves nothing running as a removed module's uid (a child in a session of its own included): the next module created gets that uid", async () => {
    const runner = { kind: 'process', node: process.execPath, modulesDir: staged?.dir } as const;
    const leaving = deployment(runner, { leaver: { file: 'session-leaver.mjs' } }, { routes: {} });
    expect((await applyConfigurationContent(t, EDGE_ID, leaving)).status).toBe(204);
    const survivor = await eventually(async () => Number(/survivor (\d+)/.exec(await managedModuleLogs(edge, 'leaver'))?.[1] ?? Number.NaN) || undefined, {
      description: 'the leaver module to start its survivor',
      timeoutMs: 60_000,
      intervalMs: 300,
    });
    expect(await runs(survivor)).toBe(true); // control: out of the module's process group, a group signal misses it

    expect((await applyConfigurationContent(t, EDGE_ID, deployment(runner, {}, { routes: {} }))).status).toBe(204);
    await eventually(async () => !(await listManagedModules(edge)).some((m) => m.id === 'leaver'), { description: 'the leaver module to be removed', timeoutMs: 60_000, intervalMs: 300 });
    expect(await runs(survivor)).toBe(false);
  });
});

/** Whether `pid` runs (a zombie, killed but not reaped by a container's init, does not). */
async function runs(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

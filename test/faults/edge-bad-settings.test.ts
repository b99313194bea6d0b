import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '@verge/platform';
import { eventually, freePort, tempDir } from '@verge/testkit';
import { connectionStringOf, createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { runVerge, spawnVerge, killVerge, type VergeProcess, type VergeRun, announceSkip, repoReachableByOthers } from '@verge/testkit/edge';

// Issue 7, "fail fast and loudly": `verge edge start` with a bad setting must exit at once with ONE line naming the
// setting, never print "started" and retry forever, never hang, never print a stack trace. Driven through the real
// CLI in a child process, against a real cloud: MQTT port taken, wrong key, a device that is not an IoT Edge device,
// a wrong --cloud-ca, an unwritable data directory. A cloud that merely does not answer still starts offline.

const EDGE_ID = 'edge-settings';
const PLAIN_ID = 'plain-device';

describe('verge edge start with bad settings (real CLI, real cloud)', () => {
  const tmp = tempDir('verge-bad-');
  let t: TestCloud;
  let edgeCs: string;
  let plainCs: string;
  let otherCaPath: string;
  const running: VergeProcess[] = [];

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    edgeCs = (await createEdgeDevice(t, EDGE_ID)).connectionString;
    const plain = await t.api.devices.create({ deviceId: PLAIN_ID });
    plainCs = connectionStringOf(t, plain, `localhost:${t.ports.mqtt}`);
    const otherCa = await createCa({ commonName: 'Some Other CA', validityDays: 2 });
    otherCaPath = join(tmp.dir, 'other-ca.pem');
    writeFileSync(otherCaPath, otherCa.certificatePem);
  });

  afterAll(async () => {
    for (const r of running) killVerge(r);
    await t?.cloud.stop();
    tmp.cleanup();
  });

  /** `verge edge start` against the test cloud with `extra` flags; the connection string from the environment. */
  function start(name: string, extra: readonly string[], cs = edgeCs, o: { uid?: number; gid?: number; dataDir?: string } = {}): Promise<VergeRun> {
    const args = ['edge', 'start', '--data', o.dataDir ?? join(tmp.dir, name), '--cloud-ca', t.cloud.caPath, '--cloud-api', t.cloud.urls.https];
    args.push('--bind', '127.0.0.1', '--mqtt-port', '0', '--https-port', '0', '--runtime', 'process', '--log-level', 'warn', ...extra);
    return runVerge(args, { env: { VERGE_EDGE_CONNECTION_STRING: cs }, timeoutMs: 20_000, ...o });
  }

  /** Exit 1 (or 2), nothing started, exactly one `error: …` line on stderr and no stack trace. */
  function expectOneLineFailure(run: VergeRun, code = 1): string {
    expect(run.stdout).not.toContain('started');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(run.code).toBe(code);
    return lines[0] ?? '';
  }

  it('fails at once when --mqtt-port is taken', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = await start('port', ['--mqtt-port', String(port)]);
      expect(expectOneLineFailure(run)).toBe(`error: --mqtt-port ${port} is already in use on 127.0.0.1 (another edge runtime or MQTT broker?); stop it or choose another port`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses a per-address limit of the hub that admits no client, naming the flag', async () => {
    const line = expectOneLineFailure(await start('limit', ['--max-connections-per-address', '0']), 2);
    expect(line).toBe('error: --max-connections-per-address 0 is outside 1..1000000');
  });

  it('fails when the cloud refuses the key', async () => {
    const wrongKey = edgeCs.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`);
    const line = expectOneLineFailure(await start('key', [], wrongKey));
    expect(line).toMatch(new RegExp(`^error: the cloud at https://localhost:\\d+ refused the credentials of edge device '${EDGE_ID}' \\(401: CLD_AUTH_SIGNATURE_INVALID: `));
    expect(line).toContain('fix the connection string');
    expect(line).not.toContain(Buffer.alloc(32, 1).toString('base64'));
  });

  it('fails for a device that is not an IoT Edge device', async () => {
    const line = expectOneLineFailure(await start('plain', [], plainCs));
    expect(line).toMatch(new RegExp(`^error: the cloud at https://localhost:\\d+ refused the credentials of edge device '${PLAIN_ID}' \\(401: CLD_AUTH_SCOPE_DENIED: device '${PLAIN_ID}' is not an IoT Edge device`));
  });

  it("fails when the cloud's certificate does not verify against --cloud-ca", async () => {
    const line = expectOneLineFailure(await start('ca', ['--cloud-ca', otherCaPath]));
    expect(line).toMatch(new RegExp(`^error: the cloud at https://localhost:\\d+ presented a certificate that does not verify against --cloud-ca ${otherCaPath}: `));
  });

  it('fails with one line naming an unwritable data directory', async () => {
    chmodSync(tmp.dir, 0o711); // so that another user can reach `locked`
    const parent = join(tmp.dir, 'locked');
    mkdirSync(parent, { mode: 0o755 });
    const dataDir = join(parent, 'edge');
    // Root may write anywhere: run the CLI as an unprivileged user then (it must reach the repository's CLI);
    // otherwise make the parent read-only.
    const isRoot = process.getuid?.() === 0;
    if (isRoot && !repoReachableByOthers()) {
      announceSkip('edge-bad-settings: an unwritable data directory (the CLI run as uid 65534)', 'the repository is not reachable by other users (a clone under a private directory)');
    } else {
      const asUser = isRoot ? { uid: 65_534, gid: 65_534 } : (chmodSync(parent, 0o555), {});
      const line = expectOneLineFailure(await start('unused', [], edgeCs, { ...asUser, dataDir }));
      expect(line).toBe(`error: the data directory ${dataDir} (--data) cannot be created or written: permission denied (EACCES)`);
    }

    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, '');
    const inFile = join(file, 'edge');
    expect(expectOneLineFailure(await start('unused', [], edgeCs, { dataDir: inFile }))).toBe(
      `error: the data directory ${inFile} (--data) cannot be created or written: a path component is a file, not a directory (ENOTDIR)`,
    );
  });

  // Node's recursive mkdir spins forever where a parent exists but cannot hold children: the runtime hung, silent.
  it.each([
    ['below /proc', () => '/proc/verge-edge-data'],
    ['below a dangling symbolic link', () => (symlinkSync(join(tmp.dir, 'gone'), join(tmp.dir, 'dangling')), join(tmp.dir, 'dangling', 'edge'))],
  ])('fails with one line, instead of hanging, for a data directory %s', async (_where, dataDirOf) => {
    const dataDir = dataDirOf();
    expect(expectOneLineFailure(await start('unused', [], edgeCs, { dataDir }))).toBe(
      `error: the data directory ${dataDir} (--data) cannot be created or written: a parent directory does not exist and cannot be created there (e.g. below /proc, or a dangling symbolic link) (ENOENT)`,
    );
  });

  it('refuses a second runtime on a data directory another runtime is using, naming it', async () => {
    const dataDir = join(tmp.dir, 'shared');
    const args = ['edge', 'start', '--data', dataDir, '--cloud-ca', t.cloud.caPath, '--cloud-api', t.cloud.urls.https];
    args.push('--bind', '127.0.0.1', '--mqtt-port', '0', '--https-port', '0', '--runtime', 'process', '--log-level', 'warn');
    const first = spawnVerge(args, { env: { VERGE_EDGE_CONNECTION_STRING: edgeCs } });
    running.push(first);
    await eventually(() => first.output().includes('started') || first.child.exitCode !== null, { description: 'the first runtime to start', timeoutMs: 20_000, intervalMs: 100 });
    expect(first.output()).toContain(`Verge edge runtime for ${EDGE_ID} started`);
    const line = expectOneLineFailure(await start('unused', [], edgeCs, { dataDir }));
    expect(line).toBe(
      `error: the data directory ${dataDir} (--data) is in use by another edge runtime; stop that runtime or choose another --data`,
    );
    // The first runtime was not disturbed, and once it stopped the directory is free again.
    expect(first.child.exitCode).toBeNull();
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    const again = spawnVerge(args, { env: { VERGE_EDGE_CONNECTION_STRING: edgeCs } });
    running.push(again);
    await eventually(() => again.output().includes('started') || again.child.exitCode !== null, { description: 'a runtime to start after the first stopped', timeoutMs: 20_000, intervalMs: 100 });
    expect(again.output()).toContain(`Verge edge runtime for ${EDGE_ID} started`);
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });

  it('starts offline when the cloud merely does not answer', async () => {
    const dead = await freePort();
    const args = ['edge', 'start', '--data', join(tmp.dir, 'offline'), '--cloud-ca', t.cloud.caPath, '--cloud-api', `https://localhost:${dead}`];
    args.push('--bind', '127.0.0.1', '--mqtt-port', '0', '--https-port', '0', '--runtime', 'process', '--log-level', 'warn');
    const run = spawnVerge(args, { env: { VERGE_EDGE_CONNECTION_STRING: edgeCs } });
    running.push(run);
    await eventually(() => run.output().includes('edge hub') || run.child.exitCode !== null, { description: 'the runtime to start offline', timeoutMs: 20_000, intervalMs: 100 });
    expect(run.output()).toContain(`Verge edge runtime for ${EDGE_ID} started`);
    expect(run.output()).toContain('the cloud does not answer; starting offline');
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
  });
});

import { mkdtemp, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { hashRootfs, packRootfs, parentDirectories, planBinaryRootfs, type RootfsPlan } from '@verge/testkit/docker';

describe('parentDirectories', () => {
  test.each([
    { path: '/usr/bin/node', parents: ['/usr', '/usr/bin'] },
    { path: '/lib64/ld-linux-x86-64.so.2', parents: ['/lib64'] },
    { path: '/node', parents: [] },
  ])('$path', ({ path, parents }) => {
    expect(parentDirectories(path)).toEqual(parents);
  });
});

describe('planBinaryRootfs', () => {
  const plan = planBinaryRootfs({
    binary: { path: '/usr/bin/node', hostPath: '/usr/bin/node' },
    libraries: [
      { path: '/lib/x86_64-linux-gnu/libc.so.6', hostPath: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
      { path: '/lib64/ld-linux-x86-64.so.2', hostPath: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
      { path: '/lib/x86_64-linux-gnu/libc.so.6', hostPath: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
    ],
  });

  test('directories (parents first, /tmp sticky), /etc files, then host files at their host paths', () => {
    expect(plan.entries).toEqual([
      { kind: 'directory', path: '/etc', mode: 0o755 },
      { kind: 'directory', path: '/lib', mode: 0o755 },
      { kind: 'directory', path: '/lib/x86_64-linux-gnu', mode: 0o755 },
      { kind: 'directory', path: '/lib64', mode: 0o755 },
      { kind: 'directory', path: '/root', mode: 0o700 },
      { kind: 'directory', path: '/tmp', mode: 0o1777 },
      { kind: 'directory', path: '/usr', mode: 0o755 },
      { kind: 'directory', path: '/usr/bin', mode: 0o755 },
      { kind: 'content', path: '/etc/passwd', mode: 0o644, content: expect.stringMatching(/^root:x:0:0:/) },
      { kind: 'content', path: '/etc/group', mode: 0o644, content: expect.stringMatching(/^root:x:0:/) },
      { kind: 'content', path: '/etc/nsswitch.conf', mode: 0o644, content: expect.stringContaining('hosts: files dns') },
      { kind: 'hostFile', path: '/lib/x86_64-linux-gnu/libc.so.6', hostPath: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
      { kind: 'hostFile', path: '/lib64/ld-linux-x86-64.so.2', hostPath: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
      { kind: 'hostFile', path: '/usr/bin/node', hostPath: '/usr/bin/node' },
    ]);
  });

  test('environment: standard PATH, library directories for the loader', () => {
    expect(plan.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/lib64']);
  });

  test('a binary outside the standard PATH puts its directory first', () => {
    const nvm = planBinaryRootfs({ binary: { path: '/root/.nvm/versions/node/v20/bin/node', hostPath: '/x' }, libraries: [] });
    expect(nvm.env).toEqual(['PATH=/root/.nvm/versions/node/v20/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
  });

  test.each(['usr/bin/node', '/usr/../etc/node'])('rejects the image path %j', (path) => {
    expect(() => planBinaryRootfs({ binary: { path, hostPath: '/x' }, libraries: [] })).toThrow(
      `rootfs path ${JSON.stringify(path)} must be absolute and must not contain ".."`,
    );
  });
});

describe('packRootfs and hashRootfs', () => {
  let dir: string;
  let plan: RootfsPlan;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verge-rootfs-'));
    await writeFile(join(dir, 'tool'), '#!fake binary\n');
    await chmod(join(dir, 'tool'), 0o755);
    await writeFile(join(dir, 'libreal.so.1.2'), 'library bytes');
    await symlink('libreal.so.1.2', join(dir, 'libreal.so.1'));
    plan = planBinaryRootfs({
      binary: { path: '/usr/bin/tool', hostPath: join(dir, 'tool') },
      libraries: [{ path: '/lib/libreal.so.1', hostPath: join(dir, 'libreal.so.1') }],
    });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the tar holds every entry, root-relative, root-owned, with modes and dereferenced bytes', async () => {
    const entries = await readTar(packRootfs(plan));
    expect(entries.map((e) => e.name)).toEqual([
      'etc/', 'lib/', 'root/', 'tmp/', 'usr/', 'usr/bin/', 'etc/passwd', 'etc/group', 'etc/nsswitch.conf', 'lib/libreal.so.1', 'usr/bin/tool',
    ]);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('tmp/')).toMatchObject({ type: 'directory', mode: 0o1777 });
    expect(byName.get('usr/bin/tool')).toMatchObject({ type: 'file', mode: 0o755, body: '#!fake binary\n' });
    expect(byName.get('lib/libreal.so.1')).toMatchObject({ type: 'file', mode: 0o644, body: 'library bytes' });
    expect(entries.every((e) => e.uid === 0 && e.gid === 0)).toBe(true);
  });

  test('the hash is stable, and changes with file bytes, modes and the salt', async () => {
    const first = await hashRootfs(plan, 'v1');
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashRootfs(plan, 'v1')).toBe(first);
    expect(await hashRootfs(plan, 'v2')).not.toBe(first);
    await chmod(join(dir, 'tool'), 0o700);
    const afterChmod = await hashRootfs(plan, 'v1');
    expect(afterChmod).not.toBe(first);
    await writeFile(join(dir, 'libreal.so.1.2'), 'other bytes');
    expect(await hashRootfs(plan, 'v1')).not.toBe(afterChmod);
  });

  test('a missing host file fails the tar stream', async () => {
    const broken = planBinaryRootfs({ binary: { path: '/usr/bin/tool', hostPath: join(dir, 'absent') }, libraries: [] });
    await expect(readTar(packRootfs(broken))).rejects.toThrow(/ENOENT/);
  });
});

interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  body: string;
}

function readTar(stream: NodeJS.ReadableStream): Promise<TarEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: TarEntry[] = [];
    const parser = extract();
    parser.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (chunk: Buffer) => chunks.push(chunk));
      body.on('end', () => {
        entries.push({ name: header.name, type: header.type ?? '', mode: header.mode ?? -1, uid: header.uid ?? -1, gid: header.gid ?? -1, body: Buffer.concat(chunks).toString() });
        next();
      });
    });
    parser.on('finish', () => resolve(entries));
    parser.on('error', reject);
    stream.on('error', reject);
    stream.pipe(parser);
  });
}

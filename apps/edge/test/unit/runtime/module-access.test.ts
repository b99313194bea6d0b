import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeLaunchDenial, findLaunchDenial } from '../../../src/runtime/process/launch-access.js';
import { ancestorsOf, findDenial, firstDenial, permits, type AccessNeed, type PathFacts } from '../../../src/runtime/process/module-access.js';

// A module's own uid has no supplementary groups, so its access is decided by the owner, group and other bits of
// each path on the way (issue 7: a clone under /root, mode 0700, is out of reach of a dedicated module user).

const MOD = { uid: 1_600_000_000, gid: 1_600_000_000 };
const file = (mode: number, uid = 0, gid = 0): PathFacts => ({ path: '/f', mode, uid, gid, isDirectory: false });
const dir = (path: string, mode: number, uid = 0, gid = 0): PathFacts => ({ path, mode, uid, gid, isDirectory: true });

describe('permits (owner, group, other classes)', () => {
  it.each<[string, PathFacts, AccessNeed, boolean]>([
    ['a 0644 file owned by root: read', file(0o644), 'read', true],
    ['a 0600 file owned by root: read', file(0o600), 'read', false],
    ['a 0640 file of group root: read (not in the group)', file(0o640), 'read', false],
    ['a 0640 file of the module group: read', file(0o640, 0, MOD.gid), 'read', true],
    ['a 0600 file owned by the module: read', file(0o600, MOD.uid, MOD.gid), 'read', true],
    ['a 0066 file owned by the module: read (the owner class decides, even when others may)', file(0o066, MOD.uid, 0), 'read', false],
    ['a 0755 program: execute', file(0o755), 'execute', true],
    ['a 0754 program: execute (no x for others)', file(0o754), 'execute', false],
    ['a 0744 program of the module: execute', file(0o744, MOD.uid), 'execute', true],
    ['a 0755 directory: search', dir('/d', 0o755), 'search', true],
    ['a 0700 directory (e.g. /root): search', dir('/root', 0o700), 'search', false],
    ['a 0711 directory: search (traverse only)', dir('/d', 0o711), 'search', true],
    ['a 0750 directory of the module group: search', dir('/d', 0o750, 0, MOD.gid), 'search', true],
    ['a 0750 directory of another group: search', dir('/d', 0o750, 0, 5), 'search', false],
    ['a 0744 directory: search (r without x lists but does not enter)', dir('/d', 0o744), 'search', false],
    ['a 1777 directory (/tmp): search', dir('/tmp', 0o1777), 'search', true],
    ['a directory: execute', dir('/d', 0o755), 'execute', false],
  ])('%s → %s', (_name, facts, need, allowed) => {
    expect(permits(facts, MOD, need)).toBe(allowed);
  });

  it('lets root read and search anything, and execute what has an execute bit', () => {
    const root = { uid: 0, gid: 0 };
    expect(permits(file(0o000, 5, 5), root, 'read')).toBe(true);
    expect(permits(dir('/d', 0o000, 5, 5), root, 'search')).toBe(true);
    expect(permits(file(0o001, 5, 5), root, 'execute')).toBe(true);
    expect(permits(file(0o644, 5, 5), root, 'execute')).toBe(false);
  });
});

describe('firstDenial', () => {
  const target = { ...file(0o644), path: '/root/repo/mod.mjs' };
  it.each<[string, PathFacts[], PathFacts, string | undefined]>([
    ['every directory searchable, the file readable', [dir('/', 0o755), dir('/root', 0o755), dir('/root/repo', 0o755)], target, undefined],
    ['/root 0700 on the way', [dir('/', 0o755), dir('/root', 0o700), dir('/root/repo', 0o755)], target, '/root'],
    ['the file itself 0600', [dir('/', 0o755), dir('/root', 0o755), dir('/root/repo', 0o755)], { ...target, mode: 0o600 }, '/root/repo/mod.mjs'],
    ['the first blocking directory is named', [dir('/', 0o755), dir('/root', 0o700), dir('/root/repo', 0o700)], target, '/root'],
  ])('%s → %s', (_name, ancestors, t, blocked) => {
    expect(firstDenial(ancestors, t, MOD, 'read')?.blocked.path).toBe(blocked);
  });

  it('lists the ancestors of a path from the root down', () => {
    expect(ancestorsOf('/root/repo/mod.mjs')).toEqual(['/', '/root', '/root/repo']);
    expect(ancestorsOf('/x')).toEqual(['/']);
  });
});

describe('on the file system (stat modes; the check never needs to switch user)', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'verge-access-'));
    await chmod(base, 0o755);
  });
  afterEach(async () => {
    await chmod(base, 0o755).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });

  it('finds the private directory above a program and describes it with the uid and the ways out', async () => {
    const priv = join(base, 'private');
    await mkdir(priv, { mode: 0o700 });
    await chmod(priv, 0o700);
    const program = join(priv, 'mod.mjs');
    await writeFile(program, '', { mode: 0o644 });
    const denial = await findLaunchDenial({ command: process.execPath, args: [program], runtimeCwd: base }, MOD);
    expect(denial).toMatchObject({ part: 'argument', target: program, need: 'search', blocked: { path: priv, mode: 0o700 } });
    if (denial === undefined) throw new Error('no denial');
    const text = describeLaunchDenial(denial, MOD);
    expect(text).toContain(`uid ${MOD.uid}`);
    expect(text).toContain(`cannot reach the file named in its arguments ${program}: the directory ${priv} is not searchable by that uid (mode 0700`);
    expect(text).toContain('--process-user runtime');
  });

  it('accepts a readable program in searchable directories; ignores flags and arguments that name no file', async () => {
    const program = join(base, 'mod.mjs');
    await writeFile(program, '', { mode: 0o644 });
    expect(await findLaunchDenial({ command: process.execPath, args: ['--enable-source-maps', program, 'not-a-file', ''], runtimeCwd: base }, MOD)).toBeUndefined();
  });

  it('resolves relative arguments against the working directory, and checks the working directory', async () => {
    const work = join(base, 'work');
    await mkdir(work, { mode: 0o755 });
    await writeFile(join(work, 'secret.mjs'), '', { mode: 0o600 });
    expect(await findLaunchDenial({ command: process.execPath, args: ['secret.mjs'], cwd: work, runtimeCwd: '/' }, MOD)).toMatchObject({ part: 'argument', need: 'read', target: join(work, 'secret.mjs') });
    await chmod(work, 0o700);
    expect(await findLaunchDenial({ command: process.execPath, args: [], cwd: work, runtimeCwd: '/' }, MOD)).toMatchObject({ part: 'working directory', need: 'search' });
  });

  it('looks a bare command up in PATH; any reachable match will do', async () => {
    const hidden = join(base, 'hidden');
    const open = join(base, 'open');
    await mkdir(hidden, { mode: 0o700 });
    await chmod(hidden, 0o700);
    await mkdir(open, { mode: 0o755 });
    await writeFile(join(hidden, 'tool'), '', { mode: 0o755 });
    expect(await findLaunchDenial({ command: 'tool', args: [], pathEnv: `${hidden}:${open}`, runtimeCwd: '/' }, MOD)).toMatchObject({ part: 'program', blocked: { path: hidden } });
    await writeFile(join(open, 'tool'), '', { mode: 0o755 });
    expect(await findLaunchDenial({ command: 'tool', args: [], pathEnv: `${hidden}:${open}`, runtimeCwd: '/' }, MOD)).toBeUndefined();
    expect(await findLaunchDenial({ command: 'no-such-tool', args: [], pathEnv: open, runtimeCwd: '/' }, MOD)).toBeUndefined();
  });

  it('follows a symbolic link: a reachable link to an unreachable file is denied', async () => {
    const priv = join(base, 'private');
    await mkdir(priv, { mode: 0o700 });
    await chmod(priv, 0o700);
    await writeFile(join(priv, 'real.mjs'), '', { mode: 0o644 });
    await symlink(join(priv, 'real.mjs'), join(base, 'link.mjs'));
    expect(await findDenial(join(base, 'link.mjs'), MOD, 'read')).toMatchObject({ target: join(base, 'link.mjs'), blocked: { path: priv } });
  });
});

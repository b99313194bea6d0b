import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDirectories, createDirectoriesSync } from '../../../src/fs/create-directories.js';

// Node's recursive mkdir never settles for these (a parent that exists but answers ENOENT for its children): each
// case would time the test out rather than fail it.
const dirs: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'verge-mkdirs-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe.each([
  ['createDirectories', (dir: string, mode: number) => createDirectories(dir, mode)],
  ['createDirectoriesSync', (dir: string, mode: number) => Promise.resolve().then(() => createDirectoriesSync(dir, mode))],
])('%s', (_name, create) => {
  it('creates missing parents with the mode, and accepts an existing directory', async () => {
    const base = scratch();
    const dir = join(base, 'a', 'b', 'c');
    await create(dir, 0o700);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(statSync(join(base, 'a')).mode & 0o777).toBe(0o700);
    await expect(create(dir, 0o700)).resolves.toBeUndefined();
  });

  it.runIf(process.platform === 'linux')('fails with ENOENT below /proc instead of spinning forever', async () => {
    await expect(create('/proc/verge-no-such/data', 0o700)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(create('/proc/verge-no-such', 0o700)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails with ENOENT below a dangling symbolic link', async () => {
    const base = scratch();
    symlinkSync(join(base, 'gone'), join(base, 'dangling'));
    await expect(create(join(base, 'dangling', 'data'), 0o700)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails with ENOTDIR when a file is in the way', async () => {
    const base = scratch();
    writeFileSync(join(base, 'file'), '');
    await expect(create(join(base, 'file'), 0o700)).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(create(join(base, 'file', 'data'), 0o700)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

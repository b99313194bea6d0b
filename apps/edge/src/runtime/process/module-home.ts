import { chmod, lchown, lstat, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createDirectories } from '@verge/platform';
import type { AccessUser } from './module-access.js';
import { moduleDirName } from './module-dir.js';

// A process module running as its own uid gets a HOME (and TMPDIR) of its own instead of the runtime's (root's
// HOME, which it could not write anyway): `<homesDir>/<module>/`, 0700, owned by its uid, with `tmp/` inside.
// `homesDir` and its parent belong to the runtime (root), traverse-only (0711), so no module can list or rename the
// other modules' homes. Like the socket directories, the homes live as long as the runtime runs (on /run: tmpfs).

const TRAVERSE_ONLY_MODE = 0o711;

/** The environment a module running as `user` gets for its home: HOME and TMPDIR. */
export interface ModuleHome {
  readonly HOME: string;
  readonly TMPDIR: string;
}

/** Creates (or adopts) the module's home, owned by `user`; returns HOME and TMPDIR. */
export async function ensureModuleHome(homesDir: string, moduleId: string, user: AccessUser): Promise<ModuleHome> {
  for (const dir of [dirname(homesDir), homesDir]) await ensureRuntimeDir(dir);
  const home = join(homesDir, moduleDirName(moduleId));
  const existing = await lstat(home).catch(() => undefined);
  if (existing !== undefined && (!existing.isDirectory() || existing.uid !== user.uid)) await rm(home, { recursive: true, force: true });
  if (existing === undefined || !existing.isDirectory() || existing.uid !== user.uid) {
    await mkdir(home, { mode: 0o700 });
    await lchown(home, user.uid, user.gid);
  }
  // The module cannot replace `home` itself (its parent is the runtime's), so chmod cannot be redirected.
  await chmod(home, 0o700);
  const tmp = join(home, 'tmp');
  // Inside its home the module owns every entry: create `tmp` only when missing, and never follow what is there.
  const created = await mkdir(tmp, { mode: 0o700 }).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return false;
      throw e;
    },
  );
  if (created) await lchown(tmp, user.uid, user.gid);
  return { HOME: home, TMPDIR: tmp };
}

/** Deletes a module's home (the module is removed). */
export async function removeModuleHome(homesDir: string, moduleId: string): Promise<void> {
  await rm(join(homesDir, moduleDirName(moduleId)), { recursive: true, force: true });
}

/** Deletes every module home of this runtime (it stops, and its modules with it). */
export async function removeModuleHomes(homesDir: string): Promise<void> {
  await rm(homesDir, { recursive: true, force: true });
}

async function ensureRuntimeDir(dir: string): Promise<void> {
  await createDirectories(dir, TRAVERSE_ONLY_MODE);
  const info = await lstat(dir);
  if (!info.isDirectory() || info.uid !== process.getuid?.()) {
    throw Object.assign(new Error(`${dir} is not a directory of the runtime's user (a symbolic link, or created by another user)`), { code: 'EPERM' });
  }
  await chmod(dir, TRAVERSE_ONLY_MODE);
}

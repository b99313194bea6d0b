import { realpath, stat } from 'node:fs/promises';
import { dirname, parse } from 'node:path';

// Issue 7: a process module started as its own unprivileged uid (`--process-user dedicated`) used to die with
// node's MODULE_NOT_FOUND when its program sat in a directory that uid cannot traverse (a clone under /root, mode
// 0700). The runtime now asks first, from stat modes and owners, whether that uid can reach what it is given.

/** The user a module runs as, as the kernel checks its file access: no supplementary groups (spawn drops them). */
export interface AccessUser {
  readonly uid: number;
  readonly gid: number;
}

/** What a path must allow: `search` a directory (x), `read` a file (r), `execute` a program (x). */
export type AccessNeed = 'search' | 'read' | 'execute';

/** The stat facts a permission check reads. */
export interface PathFacts {
  readonly path: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly isDirectory: boolean;
}

/** Where a user is stopped on the way to `target`: `blocked` (an ancestor directory, or the target itself) lacks `need`. */
export interface AccessDenial {
  readonly target: string;
  readonly blocked: PathFacts;
  readonly need: AccessNeed;
}

const BITS: Readonly<Record<AccessNeed, number>> = { search: 1, read: 4, execute: 1 };

/**
 * Whether the kernel lets `user` do `need` on a file with `facts` (POSIX permission classes: the owner bits when the
 * uid owns it, else the group bits when the gid is its group, else the bits for others; an ACL is not read). Root
 * may read and search anything, and execute a file when any execute bit is set.
 */
export function permits(facts: Pick<PathFacts, 'mode' | 'uid' | 'gid' | 'isDirectory'>, user: AccessUser, need: AccessNeed): boolean {
  if (user.uid === 0) return need !== 'execute' || facts.isDirectory || (facts.mode & 0o111) !== 0;
  if (need === 'execute' && facts.isDirectory) return false;
  const shift = facts.uid === user.uid ? 6 : facts.gid === user.gid ? 3 : 0;
  return ((facts.mode >> shift) & BITS[need]) !== 0;
}

/** The first directory of `ancestors` (root first) `user` cannot search, else `target` when it lacks `need`. */
export function firstDenial(ancestors: readonly PathFacts[], target: PathFacts, user: AccessUser, need: AccessNeed): AccessDenial | undefined {
  const blockedDir = ancestors.find((dir) => !permits(dir, user, 'search'));
  if (blockedDir !== undefined) return { target: target.path, blocked: blockedDir, need: 'search' };
  return permits(target, user, need) ? undefined : { target: target.path, blocked: target, need };
}

/** The directories above absolute `path`, from the root down. */
export function ancestorsOf(path: string): string[] {
  const dirs: string[] = [];
  const root = parse(path).root;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    dirs.unshift(dir);
    if (dir === root || dir === dirname(dir)) return dirs;
  }
}

async function factsOf(path: string): Promise<PathFacts | undefined> {
  try {
    const s = await stat(path);
    return { path, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, isDirectory: s.isDirectory() };
  } catch {
    return undefined;
  }
}

/**
 * Whether `user` can do `need` on the existing absolute `path`: every directory above it searchable and the file
 * itself allowing `need`, checked along the path as written and, when a symbolic link is on the way, along the path
 * it resolves to. Undefined when allowed, or when `path` does not exist for the runtime either (then nothing is
 * checked: the spawn reports a missing program as before).
 */
export async function findDenial(path: string, user: AccessUser, need: AccessNeed): Promise<AccessDenial | undefined> {
  const resolved = await realpath(path).catch(() => path);
  for (const candidate of resolved === path ? [path] : [path, resolved]) {
    const target = await factsOf(candidate);
    if (target === undefined) return undefined;
    const ancestors: PathFacts[] = [];
    for (const dir of ancestorsOf(candidate)) {
      const facts = await factsOf(dir);
      if (facts !== undefined) ancestors.push(facts);
    }
    const denial = firstDenial(ancestors, target, user, need);
    if (denial !== undefined) return { ...denial, target: path };
  }
  return undefined;
}

/** Whether the absolute `path` exists for the runtime (any kind of file). */
export async function pathExists(path: string): Promise<boolean> {
  return (await factsOf(path)) !== undefined;
}

/** True when `path` (which exists) is a directory. */
export async function isDirectoryPath(path: string): Promise<boolean> {
  return (await factsOf(path))?.isDirectory === true;
}

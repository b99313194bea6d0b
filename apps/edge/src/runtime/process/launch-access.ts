import { delimiter, resolve } from 'node:path';
import { findDenial, isDirectoryPath, pathExists, type AccessDenial, type AccessNeed, type AccessUser } from './module-access.js';

/** What a process module is started with, as the access check reads it. */
export interface ModuleLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string | undefined;
  /** `PATH` of the module's environment: a bare command is looked up in it, as spawn does. */
  readonly pathEnv?: string | undefined;
  /** The runtime's working directory: the module's when it has no `cwd` (relative paths resolve against it). */
  readonly runtimeCwd: string;
}

/** Which part of the launch the user cannot reach. */
export type LaunchPart = 'program' | 'argument' | 'working directory';

/** A denial, with the part of the launch it concerns. */
export interface LaunchDenial extends AccessDenial {
  readonly part: LaunchPart;
}

// libuv's search path when the environment has no PATH (_PATH_DEFPATH).
const DEFAULT_PATH = '/usr/local/bin:/bin:/usr/bin';

/**
 * The first part of `launch` that `user` cannot reach, or undefined: the working directory (searchable), the
 * program (executable; a bare name is looked up in PATH, and any reachable match will do), then each argument that
 * names an existing file (readable) or directory (searchable), relative ones against the working directory. Flags
 * (`-x`, `--x=y`) and paths that do not exist are not checked: they are not files the program is handed.
 */
export async function findLaunchDenial(launch: ModuleLaunch, user: AccessUser): Promise<LaunchDenial | undefined> {
  const base = launch.cwd ?? launch.runtimeCwd;
  if (launch.cwd !== undefined) {
    const denial = await findDenial(launch.cwd, user, 'search');
    if (denial !== undefined) return { ...denial, part: 'working directory' };
  }
  const program = await programDenial(launch, base, user);
  if (program !== undefined) return program;
  for (const arg of launch.args) {
    if (arg === '' || arg.startsWith('-')) continue;
    const path = resolve(base, arg);
    if (!(await pathExists(path))) continue;
    const need: AccessNeed = (await isDirectoryPath(path)) ? 'search' : 'read';
    const denial = await findDenial(path, user, need);
    if (denial !== undefined) return { ...denial, part: 'argument' };
  }
  return undefined;
}

async function programDenial(launch: ModuleLaunch, base: string, user: AccessUser): Promise<LaunchDenial | undefined> {
  const candidates = launch.command.includes('/')
    ? [resolve(base, launch.command)]
    : (launch.pathEnv ?? DEFAULT_PATH).split(delimiter).map((dir) => resolve(base, dir, launch.command));
  let first: AccessDenial | undefined;
  for (const path of candidates) {
    if (!(await pathExists(path)) || (await isDirectoryPath(path))) continue;
    const denial = await findDenial(path, user, 'execute');
    if (denial === undefined) return undefined;
    first ??= denial;
  }
  return first === undefined ? undefined : { ...first, part: 'program' };
}

const WHAT: Readonly<Record<LaunchPart, string>> = { program: 'its program', argument: 'the file named in its arguments', 'working directory': 'its working directory' };
const LACKS: Readonly<Record<AccessNeed, string>> = { search: 'not searchable', read: 'not readable', execute: 'not executable' };

/**
 * One sentence for the module's `statusDescription` and the log: the path, the uid, what blocks it, and the ways
 * out (move the program where that user can reach it, or run process modules as the runtime's user).
 */
export function describeLaunchDenial(denial: LaunchDenial, user: AccessUser): string {
  const { blocked } = denial;
  const facts = `mode ${(blocked.mode & 0o7777).toString(8).padStart(4, '0')}, owner uid ${blocked.uid} gid ${blocked.gid}`;
  const why = blocked.path === denial.target ? `it is ${LACKS[denial.need]} by that uid (${facts})` : `the directory ${blocked.path} is not searchable by that uid (${facts})`;
  return (
    `not started: it runs as its own user, uid ${user.uid} (--process-user dedicated), which cannot reach ${WHAT[denial.part]} ${denial.target}: ${why}; ` +
    'move it where that user can reach it (every directory above it searchable by others, o+x, and the file readable, o+r), ' +
    'or start the runtime with --process-user runtime (config processUser: runtime)'
  );
}

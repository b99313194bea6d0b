import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLaunchDenial, type LaunchDenial } from '@verge/edge';
import { MODULES_DIR, NODE_MODULES_DIR } from './repo-paths.js';

// Run as root, the edge runtime starts each process module as its own unprivileged uid (`--process-user dedicated`,
// the secure default). That uid can run a test module only when every directory down to it is searchable by other
// users, which is not the case in a clone under a private directory (e.g. /root, mode 0700; CI clones "in another
// folder"). Fixtures then start the runtime with `processUser: 'runtime'`; tests that need dedicated users stage
// their modules in a world-readable temporary directory, or skip loudly.

/** A user that owns nothing and is in no group: what a dedicated module user is to the repository's files. */
export const OTHER_USER = { uid: 1_600_000_000, gid: 1_600_000_000 } as const;

const IS_ROOT = process.getuid?.() === 0;

function explain(denial: LaunchDenial | undefined): string | undefined {
  if (denial === undefined) return undefined;
  const mode = (denial.blocked.mode & 0o7777).toString(8).padStart(4, '0');
  return `${denial.blocked.path} (mode ${mode}, owner uid ${denial.blocked.uid}) keeps other users from ${denial.target}`;
}

/** Why another user cannot run `paths` with this node (undefined: it can). */
export async function unreachableByOthers(paths: readonly string[]): Promise<string | undefined> {
  return explain(await findLaunchDenial({ command: process.execPath, args: paths, runtimeCwd: '/' }, OTHER_USER));
}

// node, the test modules and the Azure SDK in node_modules, as a dedicated module user needs them.
const REPO_UNREACHABLE = await unreachableByOthers([join(MODULES_DIR, 'filter.mjs'), join(NODE_MODULES_DIR, 'azure-iot-device', 'package.json')]);

/** True when a dedicated module user can run the repository's test modules (with the SDK from its node_modules). */
export function repoReachableByOthers(): boolean {
  return REPO_UNREACHABLE === undefined;
}

/** Why the repository's SDK test modules cannot run as dedicated users here (not root, or not reachable), else undefined. */
export function dedicatedUsersUnavailableReason(): string | undefined {
  if (!IS_ROOT) return 'the tests do not run as root (only root can start process modules as their own users)';
  return REPO_UNREACHABLE === undefined ? undefined : `the repository is not reachable by other users: ${REPO_UNREACHABLE}`;
}

/**
 * The `processUser` of a test runtime: the default (dedicated users, as root) when other users can reach the
 * repository's modules, else `runtime`, so every test that runs a process module passes wherever the clone lives.
 */
export function fixtureProcessUser(): 'runtime' | undefined {
  return REPO_UNREACHABLE === undefined ? undefined : 'runtime';
}

/** The `verge edge start` flags for {@link fixtureProcessUser}. */
export function fixtureProcessUserFlags(): string[] {
  return fixtureProcessUser() === undefined ? [] : ['--process-user', 'runtime'];
}

/**
 * Copies test modules that import no package (e.g. sleeper.mjs, socket-prober.mjs) into a new world-readable
 * directory (0755, files 0644) under the system temp directory, so dedicated module users can run them wherever
 * the repository lives. Throws when even that directory is out of their reach.
 */
export async function stageModules(files: readonly string[]): Promise<{ dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'verge-mods-'));
  chmodSync(dir, 0o755);
  for (const file of files) {
    copyFileSync(join(MODULES_DIR, file), join(dir, file));
    chmodSync(join(dir, file), 0o644);
  }
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const why = await unreachableByOthers(files.map((f) => join(dir, f)));
  if (why !== undefined) {
    cleanup();
    throw new Error(`cannot stage test modules for dedicated module users: ${why}`);
  }
  return { dir, cleanup };
}

/** Prints a skip banner to stderr (as describeWithDocker does), so a skipped test is seen in the output. */
export function announceSkip(what: string, reason: string): void {
  const rule = '!'.repeat(100);
  process.stderr.write(`\n${rule}\nSKIPPED: ${what}\nReason: ${reason}\n${rule}\n`);
}

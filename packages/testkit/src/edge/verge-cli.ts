import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo-paths.js';

/** The `verge` command as users run it (the built CLI: `npm test` builds first). */
export const VERGE_BIN = join(REPO_ROOT, 'apps/cli/bin/verge.js');

/** True when the CLI and the edge runtime are built (`npm run build`); tests that need them skip otherwise. */
export const CLI_BUILT = existsSync(join(REPO_ROOT, 'apps/cli/dist/main.js')) && existsSync(join(REPO_ROOT, 'apps/edge/dist/start-edge.js'));

function assertBuilt(): void {
  if (!CLI_BUILT) {
    throw new Error('the built CLI is missing (apps/cli/dist, apps/edge/dist): run `npm run build` first');
  }
}

/** What a finished `verge` run printed. */
export interface VergeRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `verge` child process (e.g. `verge edge start`). */
export interface VergeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout + stderr so far. */
  output(): string;
  readonly stderr: () => string;
  /** Resolves when the process has exited (at once if it has). */
  readonly exited: Promise<VergeRun>;
}

/** Environment of a `verge` child: the test's own without VERGE_* settings, plus `env`. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VERGE_')));
  return { ...base, ...env };
}

/** Starts `verge ...args` as a child process. `options.uid/gid` run it as another user (the test must be root). */
export function spawnVerge(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number } = {}): VergeProcess {
  assertBuilt();
  const spawnOptions: SpawnOptions = {
    env: childEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  };
  const child = spawn(process.execPath, [VERGE_BIN, ...args], spawnOptions);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<VergeRun>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  if (child.pid === undefined) throw new Error(`could not spawn ${VERGE_BIN}`);
  return { child, pid: child.pid, output: () => stdout + stderr, stderr: () => stderr, exited };
}

/** Runs `verge ...args` to its end; kills it (SIGKILL) and fails after `timeoutMs`. */
export async function runVerge(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number; timeoutMs?: number } = {}): Promise<VergeRun> {
  const run = spawnVerge(args, options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(new Error(`verge ${args.join(' ')} did not exit within ${timeoutMs} ms; output: ${run.output()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([run.exited, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops a `verge` child still running (SIGKILL), for `afterAll`. */
export function killVerge(run: VergeProcess | undefined): void {
  if (run !== undefined && run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
}

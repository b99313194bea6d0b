import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineSplitter } from './line-splitter.js';
import type { ModuleLog } from './module-log.js';

/** How a run ended. */
export interface ProcessExit {
  /** The exit code, or 128 + signal number when a signal killed it (as Docker reports). */
  readonly exitCode: number;
  readonly exitedAtMs: number;
}

/** What to start. */
export interface SpawnInput {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  /** Run as this user and group (the runtime must be root); supplementary groups are dropped. Absent: the runtime's. */
  readonly user?: { readonly uid: number; readonly gid: number } | undefined;
  readonly log: ModuleLog;
  readonly nowMs: () => number;
}

// How long to wait for a SIGKILLed process group to be reaped before giving up on a stop.
const KILL_WAIT_MS = 5_000;
// How long a stop waits, after the exit, for the last output to be read from the pipes.
const DRAIN_WAIT_MS = 1_000;

/**
 * One run of a process module: spawned without a shell in its own process group (`detached`), stdout and stderr
 * split into lines into the module's log. Signals go to the whole group, and when the main process exits the
 * rest of its group is killed, as Docker kills a container's other processes when its PID 1 ends.
 */
export class SupervisedProcess {
  /** Resolves once the main process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Resolves once stdout and stderr are closed ('close'): every line the program wrote is in the log. */
  private readonly drained: Promise<void>;
  private exit: ProcessExit | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly startedAtMs: number,
    nowMs: () => number,
  ) {
    this.drained = new Promise((resolve) => child.once('close', () => resolve()));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { exitCode: code ?? 128 + signalNumber(signal), exitedAtMs: nowMs() };
        this.signalGroup('SIGKILL');
        resolve(this.exit);
      });
    });
  }

  /**
   * Spawns the program; resolves once it runs. Rejects with the spawn error (`code` ENOENT, EACCES, …) when it
   * cannot be started, in which case nothing is left running.
   */
  static start(input: SpawnInput): Promise<SupervisedProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(input.command, [...input.args], {
        cwd: input.cwd,
        env: { ...input.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        windowsHide: true,
        ...(input.user === undefined ? {} : { uid: input.user.uid, gid: input.user.gid }),
      });
      const out = new LineSplitter();
      const err = new LineSplitter();
      child.stdout?.on('data', (chunk: Buffer) => out.push(chunk).forEach((line) => input.log.append('stdout', line)));
      child.stderr?.on('data', (chunk: Buffer) => err.push(chunk).forEach((line) => input.log.append('stderr', line)));
      child.stdout?.on('end', () => out.end().forEach((line) => input.log.append('stdout', line)));
      child.stderr?.on('end', () => err.end().forEach((line) => input.log.append('stderr', line)));
      child.once('error', (error) => {
        if (child.pid === undefined) reject(error);
      });
      child.once('spawn', () => {
        if (child.pid === undefined) return reject(new Error('spawn reported no pid'));
        resolve(new SupervisedProcess(child, child.pid, input.nowMs(), input.nowMs));
      });
    });
  }

  /** The exit, once it happened. */
  get exitInfo(): ProcessExit | undefined {
    return this.exit;
  }

  /**
   * SIGTERM to the group; SIGKILL once `timeoutMs` passed without an exit. Resolves with the exit; rejects only
   * when even SIGKILL did not end it within 5 s (an uninterruptible process).
   */
  async stop(timeoutMs: number): Promise<ProcessExit> {
    if (this.exit !== undefined) return this.exit;
    this.signalGroup('SIGTERM');
    const graceful = await raceTimeout(this.exited, Math.max(0, timeoutMs));
    if (graceful === undefined) return this.kill();
    await this.drain();
    return graceful;
  }

  /** SIGKILL to the group; resolves with the exit. */
  async kill(): Promise<ProcessExit> {
    if (this.exit !== undefined) return this.exit;
    this.signalGroup('SIGKILL');
    const killed = await raceTimeout(this.exited, KILL_WAIT_MS);
    if (killed === undefined) throw new Error(`process ${this.pid} did not exit within ${KILL_WAIT_MS} ms of SIGKILL`);
    await this.drain();
    return killed;
  }

  /** Waits (bounded) until the pipes are closed, so what the program wrote last is logged. */
  private async drain(): Promise<void> {
    await raceTimeout(this.drained, DRAIN_WAIT_MS);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

/**
 * `promise`, or undefined once `ms` passed; the timer is cleared as soon as `promise` settles, so a stop that ends
 * early leaves no timer keeping the event loop (and the `verge edge start` process) alive for the grace period.
 */
async function raceTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const cancel = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, undefined, { signal: cancel.signal }).catch(() => undefined)]);
  } finally {
    cancel.abort();
  }
}

/** Signal number of a signal name (0 when unknown). */
export function signalNumber(signal: NodeJS.Signals | null): number {
  if (signal === null) return 0;
  return (constants.signals as Record<string, number | undefined>)[signal] ?? 0;
}

/** The start time of a pid (`/proc/<pid>/stat` field 22, clock ticks since boot), or undefined (gone, or no /proc). */
export async function processStartTicks(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses; fields after the last ')' are space-separated from field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/**
 * Stops a process group left by an earlier runtime that was killed (its pipes are gone, so it cannot be adopted):
 * only when `pid` still runs with the recorded start time, so a reused pid is never signalled. SIGTERM, then
 * SIGKILL after `timeoutMs`.
 */
export async function stopOrphan(pid: number, startTicks: string, timeoutMs: number): Promise<boolean> {
  if ((await processStartTicks(pid)) !== startTicks) return false;
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (await processStartTicks(pid)) === startTicks) await sleep(50);
  signal('SIGKILL');
  return true;
}

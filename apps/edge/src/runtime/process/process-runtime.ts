import type { ModuleSpec, ProcessModuleSpec, RegistryCredential } from '@verge/contracts';
import { compareCodeUnits } from '@verge/core';
import { stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { PermanentStepError, RetryableStepError } from '../../agent/step-errors.js';
import { AsyncQueue } from '../async-queue.js';
import type { CreateModuleOptions, LogLine, LogOptions, ModuleRuntime, RuntimeEvent, RuntimeEventAction, RuntimeModule } from '../module-runtime.js';
import type { WorkloadSocketProvider } from '../workload-sockets.js';
import { KeyedMutex } from './keyed-mutex.js';
import { ModuleLog } from './module-log.js';
import { moduleDirName } from './module-dir.js';
import { allocateModuleUid, type ModuleUserRange } from './module-users.js';
import { describeLaunchDenial, findLaunchDenial } from './launch-access.js';
import type { AccessUser } from './module-access.js';
import { ensureModuleHome, removeModuleHome, removeModuleHomes } from './module-home.js';
import { killProcessesOfUser } from './module-user-sweep.js';
import { ProcessStore } from './process-store.js';
import { describeSpawnError, moduleFromSession, type Session } from './session.js';
import { SupervisedProcess, processStartTicks, stopOrphan } from './supervised-process.js';

/** Options of {@link ProcessModuleRuntime.open}. */
export interface ProcessRuntimeOptions {
  /** Directory of the runtime's state file and module logs (created if missing). */
  readonly dataDir: string;
  /**
   * Environment every process starts from, below the module env and the injected env (e.g. `PATH`, `HOME`, `LANG`
   * picked from the runtime's own environment by config.ts; STYLE §2.1: only config reads process.env).
   */
  readonly baseEnv?: Readonly<Record<string, string>>;
  readonly workloadSockets?: WorkloadSocketProvider | undefined;
  /** Log file size before rotation (default 1 MiB; at most twice this per module on disk). */
  readonly maxLogFileBytes?: number;
  /** Lines per module kept in memory (default 1,000). */
  readonly logRingLines?: number;
  /** Grace period for processes left by a killed runtime, stopped at open (default 10 s). */
  readonly orphanStopTimeoutMs?: number;
  /**
   * Run each module as its own unprivileged user from this range (the runtime must be root), with its workload
   * socket owned by that user, so a module cannot open another module's socket. Absent: modules run as the
   * runtime's user.
   */
  readonly moduleUsers?: ModuleUserRange | undefined;
  /**
   * With `moduleUsers`: where each module gets its own HOME and TMPDIR (`<dir>/<module>/`, `tmp/` inside), owned by
   * its uid, instead of the runtime's. Absent: modules keep the HOME and TMPDIR of `baseEnv`.
   */
  readonly moduleHomesDir?: string | undefined;
  readonly nowMs?: () => number;
}

/**
 * The process adapter of {@link ModuleRuntime}: `"type": "process"` modules run as child processes (no shell, own
 * process group), for devices without a container engine. Records (spec, configHash, injected env, last pid) live
 * in `<dataDir>/modules.json`; output goes to a bounded log per module (module-log.ts). A process cannot outlive
 * the runtime holding its pipes, so `close()` stops every module, and a new instance observes its modules as
 * `created` (never started in this session) until it starts them; a process left running by a runtime that was
 * SIGKILLed is found by pid and start time and stopped at open.
 */
export class ProcessModuleRuntime implements ModuleRuntime {
  readonly type = 'process' as const;
  private readonly sessions = new Map<string, Session>();
  private readonly moduleLogs = new Map<string, ModuleLog>();
  private readonly listeners = new Set<AsyncQueue<RuntimeEvent>>();
  private readonly mutex = new KeyedMutex();
  private readonly nowMs: () => number;

  private constructor(
    private readonly options: ProcessRuntimeOptions,
    private readonly store: ProcessStore,
  ) {
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** Opens the runtime: reads its records and stops processes a killed predecessor left behind. */
  static async open(options: ProcessRuntimeOptions): Promise<ProcessModuleRuntime> {
    const store = await ProcessStore.open(join(options.dataDir, 'modules.json'));
    const runtime = new ProcessModuleRuntime(options, store);
    const timeoutMs = options.orphanStopTimeoutMs ?? 10_000;
    await Promise.all(
      [...store.all().values()].map(async (record) => {
        if (record.lastPid !== undefined && record.lastPidStartTicks !== undefined) await stopOrphan(record.lastPid, record.lastPidStartTicks, timeoutMs);
      }),
    );
    return runtime;
  }

  async observe(): Promise<RuntimeModule[]> {
    return [...this.store.all()]
      .map(([id, record]) => moduleFromSession(id, record, this.sessions.get(id)))
      // Ordinal, not localeCompare: a first collation loads ~2.7 MB of ICU data that stays resident (issue 8 footprint).
      .sort((a, b) => compareCodeUnits(a.id, b.id));
  }

  async listImages(): Promise<string[]> {
    return [];
  }

  async hasImage(): Promise<boolean> {
    return false;
  }

  async pullImage(image: string, _credential?: RegistryCredential): Promise<void> {
    throw new PermanentStepError('AGT_RUNTIME_SPEC_INVALID', `the process runtime has no images; cannot pull ${JSON.stringify(image)}`);
  }

  createModule(spec: ModuleSpec, options: CreateModuleOptions): Promise<void> {
    return this.mutex.run(spec.id, async () => {
      if (spec.type !== 'process') {
        throw new PermanentStepError('AGT_RUNTIME_SPEC_INVALID', `module ${JSON.stringify(spec.id)} has type "${spec.type}"; the process runtime runs only "process" modules`);
      }
      if (this.store.get(spec.id) !== undefined) {
        throw new RetryableStepError('AGT_RUNTIME_MODULE_EXISTS', `module ${JSON.stringify(spec.id)} already exists; remove it first`);
      }
      await this.store.put(spec.id, { spec, configHash: options.configHash, injectedEnv: { ...options.env }, createdAtMs: this.nowMs() });
      this.emit(spec.id, 'created');
    });
  }

  startModule(id: string): Promise<void> {
    return this.mutex.run(id, async () => {
      const record = this.record(id);
      const current = this.sessions.get(id)?.process;
      if (current !== undefined && current.exitInfo === undefined) return; // already running
      const spec = record.spec;
      await this.checkCwd(spec);
      const user = await this.userOf(id);
      const env = { ...(await this.userEnv(id, user)), ...spec.env, ...record.injectedEnv };
      const log = await this.log(id);
      if (user !== undefined) await this.checkReach(spec, env, user, log);
      // Whatever still runs as the uid (left by an earlier run, or by the module that held the uid before) goes first.
      await this.sweepUser(id);
      if (record.injectedEnv['IOTEDGE_WORKLOADURI']?.startsWith('unix://') === true) await this.options.workloadSockets?.ensure(id, user);
      let child: SupervisedProcess;
      try {
        child = await SupervisedProcess.start({ command: spec.settings.command, args: spec.settings.args, cwd: spec.settings.cwd, env, user, log, nowMs: this.nowMs });
      } catch (error) {
        const description = describeSpawnError(spec, error);
        this.failStart(id, log, 127, description);
        throw new PermanentStepError('AGT_MODULE_COMMAND_NOT_FOUND', `module ${JSON.stringify(id)}: ${description}`, { cause: error });
      }
      this.sessions.set(id, { startedAtMs: child.startedAtMs, process: child });
      void child.exited.then((exit) => {
        this.emit(id, 'exited', exit.exitCode);
        void this.mutex.run(id, () => (this.sessions.get(id)?.process === child ? this.sweepUser(id) : Promise.resolve())).catch(() => undefined);
      });
      this.emit(id, 'started');
      const ticks = await processStartTicks(child.pid);
      // The pid only helps the next start find a process a killed runtime left behind: the module runs either way,
      // so a full disk does not fail the start (the record stays as it was).
      await this.store.put(id, { ...this.record(id), lastPid: child.pid, ...(ticks === undefined ? {} : { lastPidStartTicks: ticks }) }).catch(() => undefined);
    });
  }

  stopModule(id: string, timeoutMs: number): Promise<void> {
    return this.mutex.run(id, async () => {
      this.record(id);
      const child = this.sessions.get(id)?.process;
      if (child === undefined || child.exitInfo !== undefined) return this.sweepUser(id);
      try {
        await child.stop(timeoutMs);
      } catch (error) {
        throw new RetryableStepError('AGT_RUNTIME_OPERATION_FAILED', `stopping module ${JSON.stringify(id)}: ${(error as Error).message}`, { cause: error });
      }
      await this.sweepUser(id);
      this.emit(id, 'stopped');
    });
  }

  removeModule(id: string): Promise<void> {
    return this.mutex.run(id, async () => {
      if (this.store.get(id) === undefined) return;
      const child = this.sessions.get(id)?.process;
      if (child !== undefined && child.exitInfo === undefined) {
        try {
          await child.kill();
        } catch (error) {
          throw new RetryableStepError('AGT_RUNTIME_OPERATION_FAILED', `removing module ${JSON.stringify(id)}: ${(error as Error).message}`, { cause: error });
        }
      }
      await this.sweepUser(id);
      this.sessions.delete(id);
      await this.store.delete(id);
      const log = this.moduleLogs.get(id) ?? (await this.log(id));
      this.moduleLogs.delete(id);
      await log.destroy();
      await this.options.workloadSockets?.release(id);
      if (this.options.moduleHomesDir !== undefined) await removeModuleHome(this.options.moduleHomesDir, id);
      this.emit(id, 'removed');
    });
  }

  logs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    return {
      [Symbol.asyncIterator]: () => this.readLogs(id, options)[Symbol.asyncIterator](),
    };
  }

  events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const queue: AsyncQueue<RuntimeEvent> = new AsyncQueue<RuntimeEvent>(
      { maxItems: 1_000, overflow: (_held, incoming) => [{ kind: 'resync', atMs: incoming.atMs, reason: 'event backlog overflowed' }] },
      () => this.listeners.delete(queue),
    );
    if (signal.aborted) queue.end();
    else {
      this.listeners.add(queue);
      signal.addEventListener('abort', () => {
        this.listeners.delete(queue);
        queue.end();
      }, { once: true });
    }
    return queue;
  }

  async close(options: { readonly stopTimeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.stopTimeoutMs ?? 10_000;
    await Promise.all([...this.sessions.keys()].map((id) => this.stopModule(id, timeoutMs).catch(() => undefined)));
    await Promise.all([...this.moduleLogs.values()].map((log) => log.close()));
    this.moduleLogs.clear();
    if (this.options.moduleHomesDir !== undefined) await removeModuleHomes(this.options.moduleHomesDir).catch(() => undefined);
    for (const listener of this.listeners) listener.end();
    this.listeners.clear();
  }

  private async *readLogs(id: string, options: LogOptions): AsyncGenerator<LogLine> {
    this.record(id);
    const log = await this.log(id);
    const live = options.follow === true && options.signal?.aborted !== true ? log.follow() : undefined;
    const history = await log.history(options.tail, options.sinceMs);
    for (const { n: _n, ...line } of history) yield line;
    if (live === undefined) return;
    const lastN = history.at(-1)?.n ?? 0;
    const stop = (): void => live.end();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const { n, ...line } of live) if (n > lastN && (options.sinceMs === undefined || line.atMs >= options.sinceMs)) yield line;
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
  }

  private record(id: string): NonNullable<ReturnType<ProcessStore['get']>> {
    const record = this.store.get(id);
    if (record === undefined) throw new RetryableStepError('AGT_RUNTIME_MODULE_NOT_FOUND', `the process runtime has no module ${JSON.stringify(id)}`);
    return record;
  }

  private async log(id: string): Promise<ModuleLog> {
    const open = this.moduleLogs.get(id);
    if (open !== undefined) return open;
    const log = await ModuleLog.open({
      dir: join(this.options.dataDir, 'logs', moduleDirName(id)),
      maxFileBytes: this.options.maxLogFileBytes ?? 1024 * 1024,
      ringLines: this.options.logRingLines ?? 1_000,
      nowMs: this.nowMs,
    });
    const raced = this.moduleLogs.get(id);
    if (raced !== undefined) {
      await log.close();
      return raced;
    }
    this.moduleLogs.set(id, log);
    return log;
  }

  /** The module's own user (allocated once, kept in its record), or undefined when modules run as the runtime's user. */
  private async userOf(id: string): Promise<{ uid: number; gid: number } | undefined> {
    const range = this.options.moduleUsers;
    if (range === undefined) return undefined;
    const record = this.record(id);
    let uid = record.uid;
    if (uid === undefined) {
      uid = allocateModuleUid(range, [...this.store.all().values()].flatMap((r) => (r.uid === undefined ? [] : [r.uid])));
      await this.store.put(id, { ...record, uid });
    }
    return { uid, gid: uid };
  }

  /**
   * Kills every process left running as the module's own uid (module-user-sweep.ts): a child that left the module's
   * process group survives the group's signals, and a uid freed by a removed module goes to the next one created.
   * Nothing to do when modules run as the runtime's user.
   */
  private async sweepUser(id: string): Promise<void> {
    const uid = this.store.get(id)?.uid;
    if (this.options.moduleUsers === undefined || uid === undefined) return;
    await killProcessesOfUser({ uid, gid: uid });
  }

  /**
   * The environment below the module's own: the runtime's `baseEnv`, except that a module running as its own user
   * gets its own HOME and TMPDIR (module-home.ts) and no USER (that name is the runtime's, not its uid's).
   */
  private async userEnv(id: string, user: AccessUser | undefined): Promise<Record<string, string>> {
    const base: Record<string, string> = { ...this.options.baseEnv };
    if (user === undefined) return base;
    delete base['USER'];
    const homesDir = this.options.moduleHomesDir;
    if (homesDir === undefined) return base;
    try {
      return { ...base, ...(await ensureModuleHome(homesDir, id, user)) };
    } catch (error) {
      throw new RetryableStepError('AGT_RUNTIME_OPERATION_FAILED', `module ${JSON.stringify(id)}: cannot prepare its home directory under ${homesDir}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * A module running as its own uid must reach its program, argument files and working directory; when it cannot,
   * it is not spawned (it would only die with "module not found" and be restarted again and again): it is reported
   * exited (126, as a shell reports a program it cannot execute) with the path, the uid and the ways out, and the
   * step fails permanently, so it is not retried before the next deployment.
   */
  private async checkReach(spec: ProcessModuleSpec, env: Readonly<Record<string, string>>, user: AccessUser, log: ModuleLog): Promise<void> {
    const launch = { command: spec.settings.command, args: spec.settings.args, cwd: spec.settings.cwd, pathEnv: env['PATH'], runtimeCwd: process.cwd() };
    const denial = await findLaunchDenial(launch, user);
    if (denial === undefined) return;
    const description = describeLaunchDenial(denial, user);
    this.failStart(spec.id, log, 126, description);
    throw new PermanentStepError('AGT_MODULE_USER_CANNOT_ACCESS', `module ${JSON.stringify(spec.id)}: ${description}`, {
      details: { moduleId: spec.id, uid: user.uid, path: denial.target, blocked: denial.blocked.path },
    });
  }

  /** Records a start that did not happen as an exit (`statusDescription` = `description`), in the module's log too. */
  private failStart(id: string, log: ModuleLog, exitCode: number, description: string): void {
    const atMs = this.nowMs();
    this.sessions.set(id, { startedAtMs: atMs, failed: { exitCode, exitedAtMs: atMs, description } });
    log.append('stderr', `verge: ${description}`);
    this.emit(id, 'exited', exitCode);
  }

  private async checkCwd(spec: ProcessModuleSpec): Promise<void> {
    const cwd = spec.settings.cwd;
    if (cwd === undefined) return;
    const isDir = isAbsolute(cwd) && (await stat(cwd).then((s) => s.isDirectory(), () => false));
    if (!isDir) {
      throw new PermanentStepError('AGT_RUNTIME_SPEC_INVALID', `module ${JSON.stringify(spec.id)}: settings.cwd ${JSON.stringify(cwd)} is not an existing absolute directory`);
    }
  }

  private emit(moduleId: string, action: RuntimeEventAction, exitCode?: number): void {
    const event: RuntimeEvent = { kind: 'module', moduleId, action, atMs: this.nowMs(), ...(exitCode === undefined ? {} : { exitCode }) };
    for (const listener of this.listeners) listener.push(event);
  }
}

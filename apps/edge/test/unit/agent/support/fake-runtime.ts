import type { ModuleSpec, RegistryCredential } from '@verge/contracts';
import { hasImage, type ModuleType, type ObservedModuleState } from '@verge/core';
import type { CreateModuleOptions, LogLine, LogOptions, ModuleRuntime, RuntimeEvent, RuntimeModule } from '../../../../src/runtime/module-runtime.js';
import { PermanentStepError, RetryableStepError } from '../../../../src/agent/step-errors.js';

interface FakeModule {
  spec: ModuleSpec;
  configHash: string;
  env: Record<string, string>;
  state: ObservedModuleState;
  exitCode?: number;
  startedAtMs?: number;
  exitedAtMs?: number;
  lines: LogLine[];
}

/** A recorded runtime call. */
export type RuntimeCall = [string, ...unknown[]];

/**
 * An in-memory {@link ModuleRuntime} with Docker's states: create → created; start → running (or exited at once
 * with `crashes[id]`); stop → exited 143 (0 for a clean stop when `cleanStop`); remove → gone. Calls are recorded,
 * failures injected with `failNext`, and `down` makes every call fail with a PrerequisiteError-like error given.
 */
export class FakeRuntime implements ModuleRuntime {
  readonly modules = new Map<string, FakeModule>();
  readonly images = new Set<string>();
  readonly calls: RuntimeCall[] = [];
  /** Exit code with which a module exits right after each start. */
  readonly crashes = new Map<string, number>();
  /** Error thrown by the next call of `action` (on any module). */
  readonly failNext = new Map<string, Error>();
  /** When set, observe() and every action reject with it. */
  down: Error | undefined;
  closed = false;
  private readonly eventWaiters: ((e: RuntimeEvent) => void)[] = [];
  /** Followers of logs, woken by `write`. */
  private readonly lineWaiters: (() => void)[] = [];

  constructor(
    readonly type: ModuleType,
    private readonly nowMs: () => number,
  ) {}

  private check(action: string, ...args: unknown[]): void {
    this.calls.push([action, ...args]);
    if (this.down !== undefined) throw this.down;
    const failure = this.failNext.get(action);
    if (failure !== undefined) {
      this.failNext.delete(action);
      throw failure;
    }
  }

  private get(id: string): FakeModule {
    const m = this.modules.get(id);
    if (m === undefined) throw new RetryableStepError('AGT_RUNTIME_MODULE_NOT_FOUND', `no module ${id}`);
    return m;
  }

  async observe(): Promise<RuntimeModule[]> {
    if (this.down !== undefined) throw this.down;
    return [...this.modules.entries()].map(([id, m]) => ({
      id,
      type: this.type,
      state: m.state,
      owned: true,
      configHash: m.configHash,
      desired: m.spec,
      ...(m.exitCode === undefined ? {} : { exitCode: m.exitCode }),
      ...(m.startedAtMs === undefined ? {} : { startedAtMs: m.startedAtMs }),
      ...(m.exitedAtMs === undefined ? {} : { exitedAtMs: m.exitedAtMs }),
      ...(m.spec.type === 'docker' ? { image: m.spec.settings.image, imageId: `sha256:${m.spec.settings.image.length}` } : {}),
    }));
  }

  async listImages(): Promise<string[]> {
    if (this.down !== undefined) throw this.down;
    return [...this.images];
  }

  async hasImage(image: string): Promise<boolean> {
    return hasImage(this.images, image);
  }

  async pullImage(image: string, credential?: RegistryCredential): Promise<void> {
    this.check('pullImage', image, credential?.username);
    this.images.add(image);
  }

  async createModule(spec: ModuleSpec, options: CreateModuleOptions): Promise<void> {
    this.check('createModule', spec.id);
    if (this.modules.has(spec.id)) throw new RetryableStepError('AGT_RUNTIME_MODULE_EXISTS', `${spec.id} exists`);
    if (spec.type !== this.type) throw new PermanentStepError('AGT_RUNTIME_SPEC_INVALID', 'wrong type');
    this.modules.set(spec.id, { spec, configHash: options.configHash, env: { ...spec.env, ...options.env }, state: 'created', lines: [] });
  }

  async startModule(id: string): Promise<void> {
    this.check('startModule', id);
    const m = this.get(id);
    if (m.state === 'running') return;
    const now = this.nowMs();
    m.startedAtMs = now;
    m.lines.push({ stream: 'stdout', atMs: now, text: `<6> ${id} started` });
    const crash = this.crashes.get(id);
    if (crash === undefined) {
      m.state = 'running';
      delete m.exitCode;
    } else {
      m.state = 'exited';
      m.exitCode = crash;
      m.exitedAtMs = now;
      m.lines.push({ stream: 'stderr', atMs: now, text: `<3> ${id} crashed with ${crash}` });
    }
  }

  async stopModule(id: string, timeoutMs: number): Promise<void> {
    this.check('stopModule', id, timeoutMs);
    const m = this.get(id);
    if (m.state !== 'running') return;
    m.state = 'exited';
    m.exitCode = 143;
    m.exitedAtMs = this.nowMs();
  }

  async removeModule(id: string): Promise<void> {
    this.check('removeModule', id);
    this.modules.delete(id);
    for (const wake of this.lineWaiters.splice(0)) wake();
  }

  async *logs(id: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const m = this.get(id);
    let lines = m.lines.filter((l) => options.sinceMs === undefined || l.atMs >= options.sinceMs);
    if (options.tail !== undefined) lines = lines.slice(Math.max(0, lines.length - options.tail));
    yield* lines;
    if (options.follow !== true) return;
    let seen = m.lines.length;
    while (options.signal?.aborted !== true && this.modules.has(id)) {
      if (seen === m.lines.length) {
        await new Promise<void>((resolve) => {
          this.lineWaiters.push(resolve);
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
      while (seen < m.lines.length) yield m.lines[seen++] as LogLine;
    }
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    while (!signal.aborted) {
      const event = await new Promise<RuntimeEvent | undefined>((resolve) => {
        this.eventWaiters.push(resolve);
        signal.addEventListener('abort', () => resolve(undefined), { once: true });
      });
      if (event === undefined) return;
      yield event;
    }
  }

  /** Makes a running module exit as if it crashed. */
  exit(id: string, exitCode: number): void {
    const m = this.get(id);
    m.state = 'exited';
    m.exitCode = exitCode;
    m.exitedAtMs = this.nowMs();
    for (const w of this.eventWaiters.splice(0)) w({ kind: 'module', moduleId: id, action: 'exited', atMs: this.nowMs(), exitCode });
  }

  /** Appends a log line to a module. */
  write(id: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.get(id).lines.push({ stream, atMs: this.nowMs(), text });
    for (const wake of this.lineWaiters.splice(0)) wake();
  }

  envOf(id: string): Record<string, string> {
    return this.get(id).env;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

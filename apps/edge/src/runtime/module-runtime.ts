import type { ModuleSpec, RegistryCredential } from '@verge/contracts';
import type { ObservedModule } from '@verge/core';

// The port between the agent's executors and a module runtime (STYLE §2.3: executors are one adapter call plus
// error classification). Two adapters implement it, Docker (dockerode) and processes (child_process), and both pass
// the contract suite `describeModuleRuntimeContract` in @verge/testkit.
//
// Errors: every method rejects with a step error from ../agent/step-errors.ts (RetryableStepError,
// PermanentStepError, PrerequisiteError), each a VergeError with an AGT_* code, so the executor only maps
// `error.kind` to a StepOutcome.

/**
 * A module as a runtime shows it: the planner's {@link ObservedModule} plus what the runtime recorded at create
 * time and can tell about the last run.
 */
export interface RuntimeModule extends ObservedModule {
  /**
   * The desired spec the module was created from, read back from the container's `org.verge.desired` label or the
   * process record; absent when it cannot be read (a foreign or damaged record). Drives the reported `settings`.
   */
  readonly desired?: ModuleSpec | undefined;
  /** Why the module is in its state when the runtime can tell (e.g. `spawn ENOENT`, Docker's `State.Error`, OOM kill). */
  readonly statusDescription?: string | undefined;
  /** Process id of the running program (the container's main process, or the spawned process). */
  readonly pid?: number | undefined;
}

/** What `createModule` adds to the spec: the data the caller owns. */
export interface CreateModuleOptions {
  /** `configHash(spec, runtimeFingerprint)` from @verge/core; stored with the module and observed back. */
  readonly configHash: string;
  /**
   * Environment the runtime injects (reference azure-iot-edge.md §6.1: `IOTEDGE_*`, `RuntimeLogLevel`, …). Merged
   * over the module's own `env`, which is merged over a Docker module's `createOptions.Env`: injected wins.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Docker `LogConfig` JSON (`runtime.settings.loggingOptions`), used when createOptions has no `HostConfig.LogConfig`. */
  readonly loggingOptions?: string | undefined;
}

/** Options of {@link ModuleRuntime.logs}. */
export interface LogOptions {
  /** Only the last `tail` lines of the history (before following); absent → all kept lines. */
  readonly tail?: number | undefined;
  /** Only lines written at or after this instant (epoch ms). */
  readonly sinceMs?: number | undefined;
  /** Keep the iterable open and yield new lines as they are written, until `signal` aborts or the module is removed. */
  readonly follow?: boolean | undefined;
  /** Ends a following iteration (and releases the underlying stream). */
  readonly signal?: AbortSignal | undefined;
}

/** One line a module wrote. */
export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  /** When the runtime received the line, epoch ms. */
  readonly atMs: number;
  /** The line without its trailing newline. */
  readonly text: string;
}

/** What happened to a module (Docker container events, or the process supervisor's own). */
export type RuntimeEventAction = 'created' | 'started' | 'exited' | 'stopped' | 'removed' | 'paused' | 'unpaused' | 'oom';

/**
 * A state change. Events only wake the reconcile loop (it is level-based and re-observes); they are never the
 * source of truth. `resync` means events may have been missed (the event stream reconnected).
 */
export type RuntimeEvent =
  | { readonly kind: 'module'; readonly moduleId: string; readonly action: RuntimeEventAction; readonly atMs: number; readonly exitCode?: number | undefined }
  | { readonly kind: 'resync'; readonly atMs: number; readonly reason: string };

/**
 * A module runtime: creates, starts, stops and removes the modules of ONE edge runtime instance (ownership is
 * recorded with every module, so several instances, and foreign containers, can share a Docker engine), observes
 * them, and gives their logs and state changes. Every method is one call of an executor; none plans.
 */
export interface ModuleRuntime {
  /** `docker` or `process`: the module type this runtime accepts. */
  readonly type: ModuleSpec['type'];

  /**
   * Every module owned by this runtime instance, running or not, with its desired config and configHash read back
   * from where `createModule` recorded them. A new instance with the same owner id sees the modules an earlier one
   * created (adoption): containers keep running; process modules, which die with their runtime, read `created`
   * without `startedAtMs` when this instance has not started them (core ObservedModule). Rejects with a
   * PrerequisiteError when the runtime cannot be reached.
   */
  observe(): Promise<RuntimeModule[]>;

  /**
   * Image references present locally (every repo tag and repo digest), for `ObservedState.images`. The process
   * runtime has none.
   */
  listImages(): Promise<string[]>;

  /** True when `image` is present locally in any spelling (core `hasImage`); always false for the process runtime. */
  hasImage(image: string): Promise<boolean>;

  /**
   * Pulls `image` (consuming the progress stream to its end), authenticating with `credential` when given (the
   * `registryCredentials` entry whose `address` is the image's registry, core `registryCredentialFor`).
   * Rejects: unauthorized or not found → PermanentStepError (AGT_IMAGE_PULL_UNAUTHORIZED, AGT_IMAGE_NOT_FOUND,
   * AGT_IMAGE_REFERENCE_INVALID); network or registry trouble → RetryableStepError (AGT_IMAGE_PULL_FAILED);
   * engine down → PrerequisiteError. The process runtime rejects with AGT_RUNTIME_SPEC_INVALID.
   */
  pullImage(image: string, credential?: RegistryCredential, signal?: AbortSignal): Promise<void>;

  /**
   * Creates the module without starting it, recording ownership, `options.configHash` and the spec. Rejects with
   * AGT_RUNTIME_MODULE_EXISTS when this runtime already has the id (retryable), AGT_RUNTIME_NAME_CONFLICT when a
   * foreign container holds the name (permanent when another edge runtime's, retryable otherwise: removing it is the
   * way out), AGT_RUNTIME_SPEC_INVALID for a spec of the other type or unusable createOptions (permanent).
   */
  createModule(spec: ModuleSpec, options: CreateModuleOptions): Promise<void>;

  /**
   * Starts a created or exited module (unpauses a paused container); a running module is left alone. Rejects with
   * AGT_RUNTIME_MODULE_NOT_FOUND for an unknown id, and with a PermanentStepError AGT_MODULE_COMMAND_NOT_FOUND when
   * the program does not exist (the module is then observed not running, with a `statusDescription` saying so).
   */
  startModule(id: string): Promise<void>;

  /**
   * Stops a module: SIGTERM, then SIGKILL once `timeoutMs` has passed; resolves when it no longer runs. An exited
   * module is left alone. Rejects with AGT_RUNTIME_MODULE_NOT_FOUND for an unknown id.
   */
  stopModule(id: string, timeoutMs: number): Promise<void>;

  /**
   * Removes a module (killing it if it still runs) with its record and logs. Idempotent: resolves when there is no
   * such module, because the wanted end state (gone) holds.
   */
  removeModule(id: string): Promise<void>;

  /**
   * The module's output, oldest first: history filtered by `sinceMs` and `tail`, then (with `follow`) new lines until
   * `signal` aborts. Rejects (on the first `next()`) with AGT_RUNTIME_MODULE_NOT_FOUND for an unknown id.
   */
  logs(id: string, options?: LogOptions): AsyncIterable<LogLine>;

  /**
   * State changes of this instance's modules, until `signal` aborts. A broken event source is reconnected with
   * backoff and announced by a `resync` event, so the consumer re-observes.
   */
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent>;

  /**
   * Releases the runtime's own resources. The Docker runtime leaves containers running (they are adopted by the
   * next instance); the process runtime stops its running modules gracefully (SIGTERM, then SIGKILL after
   * `stopTimeoutMs`), since a process cannot outlive the runtime that holds its pipes.
   */
  close(options?: { readonly stopTimeoutMs?: number }): Promise<void>;
}

import type { ModuleSpec } from '@verge/contracts';

/**
 * Container states as the Docker Engine reports them (`State.Status`), which the process runtime mimics, plus
 * `unknown` when the observer could not tell. Reference azure-iot-edge.md §2.3 maps them to a runtime status.
 */
export const OBSERVED_MODULE_STATES = ['running', 'created', 'paused', 'restarting', 'exited', 'dead', 'removing', 'unknown'] as const;

/** One of {@link OBSERVED_MODULE_STATES}. */
export type ObservedModuleState = (typeof OBSERVED_MODULE_STATES)[number];

/** `docker` or `process`: which runtime holds a module, and so which executor a step on it goes to. */
export type ModuleType = ModuleSpec['type'];

/**
 * One module as the runtime shows it: a container (Docker) or a supervised program (process runtime). The
 * executor layer builds it from `docker ps -a` / `inspect` and the labels it wrote at create time.
 */
export interface ObservedModule {
  /** Module id (the container name / process name without any runtime prefix). */
  readonly id: string;
  readonly type: ModuleType;
  readonly state: ObservedModuleState;
  /**
   * Exit code of the last run (Docker `State.ExitCode`). A process killed by a signal reports `128 + signal`, as
   * Docker does. Read only when `state` is `exited` or `removing`; absent there counts as 0.
   */
  readonly exitCode?: number | undefined;
  /**
   * When the current or last run started (Docker `State.StartedAt`), epoch ms; absent when the module was never
   * started since it was created (Docker's `0001-01-01T00:00:00Z`). A never-started module desired running is
   * started whatever its restart policy (reference §2.5). A process runtime that did not start a module in this
   * runtime session (e.g. after the edge runtime restarted) reports it as `created` without `startedAtMs`.
   */
  readonly startedAtMs?: number | undefined;
  /** When the last run ended (Docker `State.FinishedAt`), epoch ms; absent when it never ended. */
  readonly exitedAtMs?: number | undefined;
  /** Image reference the container was created from (`Config.Image`); reported as `settings.image`. */
  readonly image?: string | undefined;
  /** Image id the container runs (`Image`, `sha256:…`); reported as `settings.imageHash`. */
  readonly imageId?: string | undefined;
  /**
   * `configHash` of the desired spec that created the module, as recorded by the executor (container label or
   * process record) from the `createModule` step. Absent or different from the desired spec's hash ⇒ recreate.
   */
  readonly configHash?: string | undefined;
  /**
   * True when Verge created the module (owner label). The planner never touches a module it does not own; a
   * desired module whose id is taken by one is reported as a conflict.
   */
  readonly owned: boolean;
}

/** A snapshot of the runtime taken once per reconcile pass. */
export interface ObservedState {
  /** Every module the runtimes list, owned or not; ids are unique. */
  readonly modules: readonly ObservedModule[];
  /**
   * Images present locally: every repo tag and repo digest (`RepoTags`, `RepoDigests`) in any spelling Docker
   * uses; the planner compares them through {@link canonicalImageRef}. Image ids may be included and are ignored
   * unless a desired image is spelled as one.
   */
  readonly images: ReadonlySet<string>;
}

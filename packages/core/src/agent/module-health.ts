/**
 * Restart-policy state of one module, kept by the executor layer between passes and across runtime restarts
 * (EA's `moduleState` store, reference azure-iot-edge.md §2.5). Only {@link recordStepOutcomes} should write it.
 */
export interface ModuleHealth {
  /** Generation in which `restartCount` and `lastRestartAtMs` were counted; other generations count as zero. */
  readonly generation: number;
  /** Restarts made by the restart policy (`restartModule` steps) in `generation`. */
  readonly restartCount: number;
  /** When the last restart happened, epoch ms. */
  readonly lastRestartAtMs?: number | undefined;
  /**
   * Last exit time, for runtimes that forget it (a process runtime after an agent restart); the observed
   * `exitedAtMs` wins when present.
   */
  readonly lastExitAtMs?: number | undefined;
  /**
   * When the agent stopped the module because its desired status was `stopped` (EA's "desired status changed"
   * path). Until the module runs again it is reported `stopped` whatever its exit code, and started (not
   * restarted, not counted) when desired `running` again. Cleared by a start or restart; ignored once the module
   * has started after it (someone else started it). Independent of `generation`.
   */
  readonly stoppedByAgentAtMs?: number | undefined;
}

/** True while the module has not run since the agent stopped it for a desired `stopped`. */
export function isStoppedByAgent(health: ModuleHealth | undefined, observed: { readonly startedAtMs?: number | undefined }): boolean {
  const stoppedAt = health?.stoppedByAgentAtMs;
  return stoppedAt !== undefined && (observed.startedAtMs === undefined || observed.startedAtMs <= stoppedAt);
}

/** Restart counters that apply in a generation. */
export interface EffectiveRestarts {
  readonly restartCount: number;
  readonly lastRestartAtMs?: number | undefined;
}

/** The counters of `health` when it was counted in `generation`, otherwise zero (a new deployment resets them). */
export function effectiveRestarts(health: ModuleHealth | undefined, generation: number): EffectiveRestarts {
  if (health === undefined || health.generation !== generation) return { restartCount: 0 };
  return { restartCount: health.restartCount, lastRestartAtMs: health.lastRestartAtMs };
}

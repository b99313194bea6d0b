import type { ModuleSpec } from '@verge/contracts';
import type { ModuleType } from './observed-state.js';

// Steps are data (STYLE §2.3, balena CompositionStep): the planner returns them, an exhaustive executor table runs
// them, and tests compare them exactly. Every step names the runtime (`type`) of the module it acts on, so the
// executor table can dispatch to Docker or the process runtime without looking anything up.

/** Why a module is stopped or removed. */
export type TeardownReason = 'removed' | 'recreate' | 'desiredStopped' | 'dead';

/**
 * Pull an image (Docker modules only). One step per image, shared by every module that needs it. Look the
 * credential up as `desired.registryCredentials[credentialName]` (the step holds no secret, so it can be logged).
 */
export interface PullImageStep {
  readonly action: 'pullImage';
  /** Image reference exactly as desired (`settings.image`). */
  readonly image: string;
  /** Modules waiting for this image, in plan order. */
  readonly moduleIds: readonly string[];
  /** Key in `registryCredentials` whose `address` is the image's registry; absent for an anonymous pull. */
  readonly credentialName?: string;
}

/**
 * Create the module (container or process record) without starting it. The executor records `configHash` and
 * Verge ownership (labels) so that the next observation can be compared with the desired spec, and adds the
 * runtime's environment (`IOTEDGE_*`) and mounts to the spec's own.
 */
export interface CreateModuleStep {
  readonly action: 'createModule';
  readonly moduleId: string;
  readonly type: ModuleType;
  readonly module: ModuleSpec;
  readonly configHash: string;
  /** Docker `LogConfig` JSON from `runtime.settings.loggingOptions`. */
  readonly loggingOptions?: string;
}

/** Start a created or exited module; a paused container is unpaused. Not counted as a restart. */
export interface StartModuleStep {
  readonly action: 'startModule';
  readonly moduleId: string;
  readonly type: ModuleType;
}

/** Stop a module: SIGTERM, then SIGKILL after `timeoutMs`. */
export interface StopModuleStep {
  readonly action: 'stopModule';
  readonly moduleId: string;
  readonly type: ModuleType;
  readonly timeoutMs: number;
  readonly reason: Exclude<TeardownReason, 'dead'>;
}

/** Remove a stopped (or dead) module: the container, or the process record. */
export interface RemoveModuleStep {
  readonly action: 'removeModule';
  readonly moduleId: string;
  readonly type: ModuleType;
  readonly reason: Exclude<TeardownReason, 'desiredStopped'>;
}

/**
 * A restart by the restart policy (reference §2.5): stop (a no-op when already exited) then start, one step so
 * that the count is recorded with it. On success the ledger stores `restartCount` and the time.
 */
export interface RestartModuleStep {
  readonly action: 'restartModule';
  readonly moduleId: string;
  readonly type: ModuleType;
  readonly timeoutMs: number;
  /** The module's restart count once this restart is done (previous count + 1). */
  readonly restartCount: number;
}

/**
 * Clear a module's restart counters: it has been running for the intensive-care time (reference §2.5). Acts on
 * the ledger only (EA's `RemoveFromStoreCommand`); the executor has nothing to do for it.
 */
export interface ResetHealthStep {
  readonly action: 'resetHealth';
  readonly moduleId: string;
  readonly type: ModuleType;
  readonly reason: 'intensiveCare';
}

/**
 * Why a module has nothing to run in this pass although it is not where it should be:
 * - `coolOff`: the restart policy waits out the cool-off (untilMs);
 * - `retryBackoff`: its step failed and is backing off (untilMs, `blockedKey`);
 * - `parked`: its step failed permanently; it is retried only in a new generation (`blockedKey`);
 * - `startupOrder`: modules with a lower `startupOrder` have not been started yet;
 * - `imageMissing`: the image is not present and `imagePullPolicy` is `never` (a fault until someone loads it);
 * - `conflict`: a module Verge does not own holds the id (a fault);
 * - `transition`: the runtime shows a passing or unknown state (`removing`, `unknown`); look again later.
 */
export type WaitReason = 'coolOff' | 'retryBackoff' | 'parked' | 'startupOrder' | 'imageMissing' | 'conflict' | 'transition';

/** Waits whose cause needs a person (reported as a deployment failure, code 500). */
export const FAULT_WAIT_REASONS: ReadonlySet<WaitReason> = new Set<WaitReason>(['parked', 'imageMissing', 'conflict']);

/** Nothing to execute for a module in this pass; the loop sleeps until the earliest `untilMs` or a new event. */
export interface WaitStep {
  readonly action: 'wait';
  readonly moduleId: string;
  readonly reason: WaitReason;
  /** First instant at which the blocked step may run; absent when only an event can unblock it. */
  readonly untilMs?: number;
  /** `stepKey` of the step that is held back. */
  readonly blockedKey?: string;
  /** Human-readable cause, fit for a log line or `statusDescription`. */
  readonly detail: string;
}

/** Steps that an executor runs. */
export type ActionStep = PullImageStep | CreateModuleStep | StartModuleStep | StopModuleStep | RemoveModuleStep | RestartModuleStep | ResetHealthStep;

/** Everything the planner returns, discriminated by `action`. */
export type Step = ActionStep | WaitStep;

/** The `action` values. */
export type StepAction = Step['action'];

/**
 * Stable identity of a step, the key of step failures (iotedge `CommandRunStats` by command id): `pullImage:<image>`
 * for pulls, `<action>:<moduleId>` otherwise.
 */
export function stepKey(step: Step): string {
  return step.action === 'pullImage' ? `pullImage:${step.image}` : `${step.action}:${step.moduleId}`;
}

/** True for steps an executor runs (everything but `wait`). */
export function isActionStep(step: Step): step is ActionStep {
  return step.action !== 'wait';
}

import type { ModuleSpec } from '@verge/contracts';
import { hasImage } from './image-key.js';
import { effectiveRestarts, isStoppedByAgent, type ModuleHealth } from './module-health.js';
import type { ObservedModule } from './observed-state.js';
import type { PlanPolicy } from './policy.js';
import { observedStatus, restartTiming, statusFromRestartPolicy, type RuntimeStatus } from './restart-policy.js';
import { currentFailure, type StepFailure } from './step-failure.js';

/** A module's `runtimeStatus` and `statusDescription`. */
export interface ModuleStatusReport {
  readonly runtimeStatus: RuntimeStatus;
  readonly statusDescription: string;
}

/** What {@link describeModuleStatus} reads besides the spec and the observed module. */
export interface StatusContext {
  readonly health: ModuleHealth | undefined;
  readonly generation: number;
  readonly nowMs: number;
  readonly policy: PlanPolicy;
  readonly failures: ReadonlyMap<string, StepFailure>;
  readonly images: ReadonlySet<string>;
}

const MODULE_STEP_ACTIONS = ['createModule', 'startModule', 'restartModule', 'stopModule', 'removeModule'] as const;

/**
 * Reported status of a desired module: the runtime state mapped per reference §2.3, then, for a module desired
 * `running`, the restart policy of §2.5 (stopped/failed → backoff or failed). A module the agent stopped for a
 * desired `stopped` reads `stopped` whatever its exit code. A module not created yet reads `failed` (permanent
 * step failure, or missing image under pull policy `never`), `backoff` (a retryable failure) or `unknown`.
 */
export function describeModuleStatus(spec: ModuleSpec, observed: ObservedModule | undefined, ctx: StatusContext): ModuleStatusReport {
  const failure = unlessSuperseded(moduleFailure(spec, ctx), observed);
  const suffix = failure === undefined ? '' : `; last attempt failed: ${failure.message}`;
  if (observed === undefined) return missingStatus(spec, failure, ctx);
  if (!observed.owned) return { runtimeStatus: 'unknown', statusDescription: `the name ${JSON.stringify(spec.id)} is taken by a module that Verge does not manage` };
  const raw = observedStatus(observed);
  if (isStoppedByAgent(ctx.health, observed) && (raw === 'stopped' || raw === 'failed')) return { runtimeStatus: 'stopped', statusDescription: `stopped${suffix}` };
  if (spec.status === 'running' && raw !== 'running' && failure?.kind === 'permanent') {
    // Parked until the next deployment (plan.ts): no restart is coming, so it is failed, not in backoff.
    return { runtimeStatus: 'failed', statusDescription: `${observed.state === 'exited' ? exitText(observed) : observed.state}; not retried before the next deployment: ${failure.message}` };
  }
  const { restartCount } = effectiveRestarts(ctx.health, ctx.generation);
  const status = spec.status === 'running' ? statusFromRestartPolicy(raw, spec.restartPolicy, restartCount, ctx.policy.maxRestartCount) : raw;
  const capped = status === 'failed' && spec.restartPolicy !== 'never' && restartCount >= ctx.policy.maxRestartCount;
  const text = capped ? `${exitText(observed)}; restarted ${restartCount} times, not restarted again before the next deployment` : describe(status, observed, restartCount, ctx);
  return { runtimeStatus: status, statusDescription: `${text}${suffix}` };
}

function moduleFailure(spec: ModuleSpec, ctx: StatusContext): StepFailure | undefined {
  for (const action of MODULE_STEP_ACTIONS) {
    const failure = currentFailure(ctx.failures, `${action}:${spec.id}`, ctx.generation);
    if (failure !== undefined) return failure;
  }
  return spec.type === 'docker' ? currentFailure(ctx.failures, `pullImage:${spec.settings.image}`, ctx.generation) : undefined;
}

/**
 * A failed attempt is old news once the module runs a run that started after it (a later restart step, a manual
 * restart, a start that went through on retry under another step key): the description must then read `running`,
 * not keep "last attempt failed" (issue 7). Failures while it runs (a stop that failed) stay.
 */
function unlessSuperseded(failure: StepFailure | undefined, observed: ObservedModule | undefined): StepFailure | undefined {
  if (failure === undefined || observed === undefined || observed.state !== 'running') return failure;
  return observed.startedAtMs !== undefined && observed.startedAtMs >= failure.lastAttemptAtMs ? undefined : failure;
}

function missingStatus(spec: ModuleSpec, failure: StepFailure | undefined, ctx: StatusContext): ModuleStatusReport {
  if (failure !== undefined) return { runtimeStatus: failure.kind === 'permanent' ? 'failed' : 'backoff', statusDescription: failure.message };
  if (spec.type === 'docker' && spec.imagePullPolicy === 'never' && !hasImage(ctx.images, spec.settings.image)) {
    return { runtimeStatus: 'failed', statusDescription: `image ${JSON.stringify(spec.settings.image)} is not present and imagePullPolicy is "never"` };
  }
  return { runtimeStatus: 'unknown', statusDescription: 'not created yet' };
}

function exitText(observed: ObservedModule): string {
  return `exited with code ${observed.exitCode ?? 0}`;
}

function describe(status: RuntimeStatus, observed: ObservedModule, restartCount: number, ctx: StatusContext): string {
  switch (status) {
    case 'running':
      return 'running';
    case 'stopped':
      return observed.state === 'exited' || observed.state === 'removing' ? exitText(observed) : observed.state;
    case 'failed':
      return exitText(observed);
    case 'backoff':
      return backoffText(observed, restartCount, ctx);
    case 'dead':
      return 'dead: the runtime could not stop or remove it';
    case 'unhealthy':
      return 'unhealthy';
    case 'unknown':
      return 'the runtime reports an unknown state';
    default: {
      const never: never = status;
      return never;
    }
  }
}

function backoffText(observed: ObservedModule, restartCount: number, ctx: StatusContext): string {
  if (observed.startedAtMs === undefined) return 'created, not started yet';
  const next = `restart ${restartCount + 1} of ${ctx.policy.maxRestartCount}`;
  const timing = restartTiming(observed.exitedAtMs ?? ctx.health?.lastExitAtMs, restartCount, ctx.nowMs, ctx.policy);
  const when = timing.due ? 'due now' : `in ${Math.ceil((timing.untilMs - ctx.nowMs) / 1000)} s`;
  const cause = observed.state === 'exited' ? exitText(observed) : observed.state;
  return `${cause}; ${next} ${when}`;
}

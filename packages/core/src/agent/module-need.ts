import type { ModuleSpec } from '@verge/contracts';
import { hasImage } from './image-key.js';
import { effectiveRestarts, isStoppedByAgent, type ModuleHealth } from './module-health.js';
import type { ObservedModule } from './observed-state.js';
import type { PlanPolicy } from './policy.js';
import { observedStatus, restartPolicyRank, restartTiming, statusFromRestartPolicy } from './restart-policy.js';
import type { ActionStep, WaitReason } from './step.js';

// Per-module rules of the planner (iotedge HealthRestartPlanner + RestartPolicyManager, reference §2.4–§2.5),
// each a small function. A module needs at most one thing per pass; the planner composes them.

/** What one module needs in this pass, before step backoff and startup order are applied. */
export type ModuleNeed =
  | { readonly kind: 'none' }
  | { readonly kind: 'act'; readonly step: ActionStep }
  | { readonly kind: 'pull'; readonly image: string }
  | { readonly kind: 'wait'; readonly reason: WaitReason; readonly detail: string; readonly untilMs?: number; readonly blockedKey?: string };

/** What the rules for a desired module read besides the spec and the observed module. */
export interface NeedContext {
  readonly expectedHash: string;
  readonly images: ReadonlySet<string>;
  readonly health: ModuleHealth | undefined;
  readonly generation: number;
  readonly nowMs: number;
  readonly policy: PlanPolicy;
  readonly loggingOptions: string | undefined;
}

const NONE: ModuleNeed = { kind: 'none' };

function act(step: ActionStep): ModuleNeed {
  return { kind: 'act', step };
}

/** True while the runtime still has a process to stop (a stop is needed before removal). */
export function isLive(module: ObservedModule): boolean {
  return module.state === 'running' || module.state === 'paused' || module.state === 'restarting';
}

/** True when the observed module was created from the desired spec (same runtime, same hash). */
export function matchesSpec(module: ObservedModule, spec: ModuleSpec, expectedHash: string): boolean {
  return module.owned && module.type === spec.type && module.configHash === expectedHash;
}

/** A module Verge owns that no longer is desired: stop it, then remove it. */
export function undesiredModuleNeed(module: ObservedModule, policy: PlanPolicy): ModuleNeed {
  if (module.state === 'removing') return { kind: 'wait', reason: 'transition', detail: 'being removed' };
  if (isLive(module)) return act({ action: 'stopModule', moduleId: module.id, type: module.type, timeoutMs: policy.stopTimeoutMs, reason: 'removed' });
  return act({ action: 'removeModule', moduleId: module.id, type: module.type, reason: 'removed' });
}

/** The need of a desired module given what the runtime shows for its id. */
export function desiredModuleNeed(spec: ModuleSpec, observed: ObservedModule | undefined, ctx: NeedContext): ModuleNeed {
  if (observed === undefined) return imageNeed(spec, ctx) ?? createNeed(spec, ctx);
  if (!observed.owned) {
    return { kind: 'wait', reason: 'conflict', detail: `the name ${JSON.stringify(spec.id)} is taken by a ${observed.type === 'docker' ? 'container' : 'process'} that Verge does not manage` };
  }
  if (observed.state === 'removing' || observed.state === 'unknown') {
    return { kind: 'wait', reason: 'transition', detail: observed.state === 'removing' ? 'being removed' : 'the runtime reports an unknown state' };
  }
  // Pull the new image before tearing the old module down, so that it keeps running during the pull (EA: pull,
  // stop, recreate, start) and keeps running when the image cannot be had.
  if (!matchesSpec(observed, spec, ctx.expectedHash)) return imageNeed(spec, ctx) ?? teardown(observed, 'recreate', ctx.policy);
  if (observed.state === 'dead') return act({ action: 'removeModule', moduleId: spec.id, type: observed.type, reason: 'dead' });
  return spec.status === 'stopped' ? stoppedNeed(spec, observed, ctx) : runningNeed(spec, observed, ctx);
}

function teardown(module: ObservedModule, reason: 'recreate', policy: PlanPolicy): ModuleNeed {
  if (isLive(module)) return act({ action: 'stopModule', moduleId: module.id, type: module.type, timeoutMs: policy.stopTimeoutMs, reason });
  return act({ action: 'removeModule', moduleId: module.id, type: module.type, reason });
}

/** A pull (policy on-create) or an `imageMissing` wait (policy never) when a docker module's image is absent. */
function imageNeed(spec: ModuleSpec, ctx: NeedContext): ModuleNeed | undefined {
  if (spec.type !== 'docker' || hasImage(ctx.images, spec.settings.image)) return undefined;
  if (spec.imagePullPolicy === 'on-create') return { kind: 'pull', image: spec.settings.image };
  return { kind: 'wait', reason: 'imageMissing', detail: `image ${JSON.stringify(spec.settings.image)} is not present and imagePullPolicy is "never"` };
}

function createNeed(spec: ModuleSpec, ctx: NeedContext): ModuleNeed {
  return act({
    action: 'createModule',
    moduleId: spec.id,
    type: spec.type,
    module: spec,
    configHash: ctx.expectedHash,
    ...(ctx.loggingOptions === undefined || spec.type !== 'docker' ? {} : { loggingOptions: ctx.loggingOptions }),
  });
}

// Desired `stopped`: EA compares the desired status with the raw runtime status (no restart policy), so only a
// module that runs (or is about to, `restarting`) is stopped; a paused one already counts as stopped.
function stoppedNeed(spec: ModuleSpec, observed: ObservedModule, ctx: NeedContext): ModuleNeed {
  if (observed.state !== 'running' && observed.state !== 'restarting') return NONE;
  return act({ action: 'stopModule', moduleId: spec.id, type: observed.type, timeoutMs: ctx.policy.stopTimeoutMs, reason: 'desiredStopped' });
}

function runningNeed(spec: ModuleSpec, observed: ObservedModule, ctx: NeedContext): ModuleNeed {
  if (observed.state === 'running') return intensiveCareNeed(spec, observed, ctx);
  const start = act({ action: 'startModule', moduleId: spec.id, type: observed.type });
  // Never started since created, or stopped by the agent for a desired `stopped`: start whatever the policy
  // (reference §2.5 last line; EA's desired-status-changed path).
  if (observed.startedAtMs === undefined || isStoppedByAgent(ctx.health, observed)) return start;
  const { restartCount } = effectiveRestarts(ctx.health, ctx.generation);
  const status = statusFromRestartPolicy(observedStatus(observed), spec.restartPolicy, restartCount, ctx.policy.maxRestartCount);
  if (status === 'backoff') return backoffNeed(spec, observed, restartCount, ctx);
  // EA starts a `stopped` module whose policy is above `never`. Here only a created or paused one: a clean exit
  // under on-failure/on-unhealthy is left alone as documented (EA's code restarts it: Azure/iotedge#5138), and a
  // `restarting` container is being restarted by Docker already.
  const startable = observed.state === 'created' || observed.state === 'paused';
  if (status === 'stopped' && startable && restartPolicyRank(spec.restartPolicy) > restartPolicyRank('never')) return start;
  return NONE;
}

function backoffNeed(spec: ModuleSpec, observed: ObservedModule, restartCount: number, ctx: NeedContext): ModuleNeed {
  const lastExitAtMs = observed.exitedAtMs ?? ctx.health?.lastExitAtMs;
  const timing = restartTiming(lastExitAtMs, restartCount, ctx.nowMs, ctx.policy);
  const next = restartCount + 1;
  if (timing.due) return act({ action: 'restartModule', moduleId: spec.id, type: observed.type, timeoutMs: ctx.policy.stopTimeoutMs, restartCount: next });
  const seconds = Math.ceil((timing.untilMs - ctx.nowMs) / 1000);
  return {
    kind: 'wait',
    reason: 'coolOff',
    untilMs: timing.untilMs,
    blockedKey: `restartModule:${spec.id}`,
    detail: `restart ${next} of ${ctx.policy.maxRestartCount} in ${seconds} s (cool-off after ${restartCount} restarts)`,
  };
}

// Intensive care (reference §2.5): a module running longer than the intensive-care time that still has restart
// state gets it cleared, so its next crash starts again at the shortest cool-off.
function intensiveCareNeed(spec: ModuleSpec, observed: ObservedModule, ctx: NeedContext): ModuleNeed {
  if (ctx.health === undefined || observed.startedAtMs === undefined) return NONE;
  if (ctx.nowMs - observed.startedAtMs <= ctx.policy.intensiveCareMs) return NONE;
  return act({ action: 'resetHealth', moduleId: spec.id, type: observed.type, reason: 'intensiveCare' });
}

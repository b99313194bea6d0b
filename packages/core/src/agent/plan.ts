import type { ModuleSpec } from '@verge/contracts';
import { compareCodeUnits } from './canonical-json.js';
import { configHash } from './config-hash.js';
import type { DesiredState } from './desired-state.js';
import { registryCredentialFor } from './image-key.js';
import { isStoppedByAgent, type ModuleHealth } from './module-health.js';
import { desiredModuleNeed, matchesSpec, undesiredModuleNeed, type ModuleNeed } from './module-need.js';
import type { ObservedModule, ObservedState } from './observed-state.js';
import type { PlanPolicy } from './policy.js';
import { FAULT_WAIT_REASONS, stepKey, type ActionStep, type PullImageStep, type Step, type WaitStep } from './step.js';
import { currentFailure, type StepFailure } from './step-failure.js';

/** Everything besides desired and observed state that a plan depends on. */
export interface PlanContext {
  /** Time of the observation, epoch ms. */
  readonly nowMs: number;
  /** Restart state by module id (the ledger's `health`). */
  readonly health: ReadonlyMap<string, ModuleHealth>;
  /** Step failures by step key (the ledger's `failures`); entries of other generations are ignored. */
  readonly failures: ReadonlyMap<string, StepFailure>;
  readonly policy: PlanPolicy;
}

/** A module's need after step backoff: pulls stay separate because modules share them. */
type Resolved = { readonly kind: 'none' } | { readonly kind: 'act'; readonly step: ActionStep } | { readonly kind: 'pull'; readonly image: string } | { readonly kind: 'wait'; readonly step: WaitStep };

interface Entry {
  readonly id: string;
  readonly spec: ModuleSpec | undefined;
  readonly observed: ObservedModule | undefined;
  readonly hash: string | undefined;
  readonly stoppedByAgent: boolean;
  readonly resolved: Resolved;
}

const NONE: Resolved = { kind: 'none' };

/**
 * Plans the next batch of independent steps from desired to observed state (STYLE §2.3; level-based like balena
 * and controller-runtime: run the batch, observe again, plan again). Pure, synchronous and total. At most one step
 * per module (a pull may serve several), in this order:
 * 1. stop, then remove, modules Verge owns that are not desired, dead, or to be recreated (config hash changed);
 * 2. pull missing images (`imagePullPolicy` on-create; `never` gives an `imageMissing` wait instead); a module
 *    to be recreated keeps running until its new image is present;
 * 3. by `startupOrder` ascending, then id: create, start, restart (restart policy, reference §2.5), stop for a
 *    desired `stopped`, reset restart counters (intensive care);
 * 4. `wait` steps, one per module held back (cool-off, step backoff, startup order, faults).
 * A start or restart waits while a module with a lower `startupOrder` and desired `running` has not been started
 * (ModuleStartupOrder.md: "only after an attempt has been made to start those with a lower value"; a module whose
 * steps failed counts as attempted), and is deferred while the batch stops modules being removed or recreated
 * (EA runs those stops before any start). A step whose key failed is replaced by a `wait` until its retry time,
 * or for good in this generation when the failure was permanent. `[]` or only waits means nothing to do now.
 */
export function planSteps(desired: DesiredState, observed: ObservedState, ctx: PlanContext): Step[] {
  const entries = deferStartsBehindStops(applyStartupOrder(collectEntries(desired, observed, ctx)));
  return emit(entries, desired);
}

function collectEntries(desired: DesiredState, observed: ObservedState, ctx: PlanContext): Entry[] {
  const observedById = new Map(observed.modules.map((m) => [m.id, m]));
  const undesired = observed.modules
    .filter((m) => m.owned && !desired.modules.has(m.id))
    .sort((a, b) => compareCodeUnits(a.id, b.id))
    .map((m): Entry => ({ id: m.id, spec: undefined, observed: m, hash: undefined, stoppedByAgent: false, resolved: resolve(m.id, undesiredModuleNeed(m, ctx.policy), desired, ctx) }));
  const wanted = [...desired.modules.values()].sort(compareModules).map((spec): Entry => {
    const found = observedById.get(spec.id);
    const hash = configHash(spec, runtimeOf(desired, spec.id));
    const health = ctx.health.get(spec.id);
    const need = desiredModuleNeed(spec, found, {
      expectedHash: hash,
      images: observed.images,
      health,
      generation: desired.generation,
      nowMs: ctx.nowMs,
      policy: ctx.policy,
      loggingOptions: desired.loggingOptions,
    });
    const stoppedByAgent = found !== undefined && isStoppedByAgent(health, found);
    return { id: spec.id, spec, observed: found, hash, stoppedByAgent, resolved: resolve(spec.id, need, desired, ctx) };
  });
  return [...undesired, ...wanted];
}

function compareModules(a: ModuleSpec, b: ModuleSpec): number {
  return a.startupOrder - b.startupOrder || compareCodeUnits(a.id, b.id);
}

/** Applies step backoff: a step (or pull) whose key failed in this generation becomes a wait. */
function resolve(moduleId: string, need: ModuleNeed, desired: DesiredState, ctx: PlanContext): Resolved {
  switch (need.kind) {
    case 'none':
      return NONE;
    case 'wait': {
      const { reason, detail, untilMs, blockedKey } = need;
      return wait({ moduleId, reason, detail, ...(untilMs === undefined ? {} : { untilMs }), ...(blockedKey === undefined ? {} : { blockedKey }) });
    }
    case 'act':
      return backoffWait(moduleId, stepKey(need.step), desired, ctx) ?? parkedRun(moduleId, need.step, desired, ctx) ?? need;
    case 'pull':
      return backoffWait(moduleId, `pullImage:${need.image}`, desired, ctx) ?? need;
    default: {
      const never: never = need;
      return never;
    }
  }
}

function wait(fields: Omit<WaitStep, 'action'>): Resolved {
  return { kind: 'wait', step: { action: 'wait', ...fields } };
}

function backoffWait(moduleId: string, key: string, desired: DesiredState, ctx: PlanContext): Resolved | undefined {
  const failure = currentFailure(ctx.failures, key, desired.generation);
  if (failure === undefined) return undefined;
  if (failure.kind === 'permanent') {
    return wait({ moduleId, reason: 'parked', blockedKey: key, detail: `${key} failed: ${failure.message}; not retried before the next deployment` });
  }
  if (failure.retryAtMs <= ctx.nowMs) return undefined;
  const seconds = Math.ceil((failure.retryAtMs - ctx.nowMs) / 1000);
  const detail = `${key} failed ${failure.attempts} time${failure.attempts === 1 ? '' : 's'}: ${failure.message}; retrying in ${seconds} s`;
  return wait({ moduleId, reason: 'retryBackoff', untilMs: failure.retryAtMs, blockedKey: key, detail });
}

/**
 * A start and a restart are the same attempt to run a module: once either failed permanently in this generation (a
 * program that does not exist, or that the module's user cannot reach), the other is parked too, so the module is
 * not tried again under the other key before the next deployment.
 */
function parkedRun(moduleId: string, step: ActionStep, desired: DesiredState, ctx: PlanContext): Resolved | undefined {
  if (step.action !== 'startModule' && step.action !== 'restartModule') return undefined;
  const other = `${step.action === 'startModule' ? 'restartModule' : 'startModule'}:${moduleId}`;
  return currentFailure(ctx.failures, other, desired.generation)?.kind === 'permanent' ? backoffWait(moduleId, other, desired, ctx) : undefined;
}

function isStartLike(resolved: Resolved): resolved is { kind: 'act'; step: ActionStep } {
  return resolved.kind === 'act' && (resolved.step.action === 'startModule' || resolved.step.action === 'restartModule');
}

/**
 * Startup order (reference §1.3, ModuleStartupOrder.md): walk the desired-running modules by ascending
 * `startupOrder`; once a group holds a module not yet started, every later group's starts and restarts wait.
 */
function applyStartupOrder(entries: readonly Entry[]): Entry[] {
  const blockers: string[] = [];
  let groupOrder: number | undefined;
  let groupBlockers: string[] = [];
  return entries.map((entry) => {
    if (entry.spec === undefined || entry.spec.status !== 'running') return entry;
    if (entry.spec.startupOrder !== groupOrder) {
      blockers.push(...groupBlockers);
      groupBlockers = [];
      groupOrder = entry.spec.startupOrder;
    }
    const gated = blockers.length > 0 && isStartLike(entry.resolved) ? { ...entry, resolved: startupWait(entry, entry.resolved.step, blockers) } : entry;
    if (!isSettled(gated)) groupBlockers.push(entry.id);
    return gated;
  });
}

function startupWait(entry: Entry, step: ActionStep, blockers: readonly string[]): Resolved {
  const listed = blockers.slice(0, 5).join(', ') + (blockers.length > 5 ? ` and ${blockers.length - 5} more` : '');
  return wait({ moduleId: entry.id, reason: 'startupOrder', blockedKey: stepKey(step), detail: `waiting for ${listed} (lower startupOrder) to be started` });
}

/**
 * A desired-running module no longer holds back later startup groups once an attempt to start it was made: it runs
 * or ran since it was created (and was not stopped by the agent), or its pending step failed or cannot proceed.
 */
function isSettled(entry: Entry): boolean {
  const { resolved, observed, spec, hash } = entry;
  if (resolved.kind === 'wait' && (FAULT_WAIT_REASONS.has(resolved.step.reason) || resolved.step.reason === 'retryBackoff')) return true;
  if (observed === undefined || spec === undefined || hash === undefined || !matchesSpec(observed, spec, hash)) return false;
  if (observed.state === 'running') return true;
  return observed.startedAtMs !== undefined && !entry.stoppedByAgent;
}

/** Starts wait one pass while the batch stops modules that go away, so that ports and devices are free (EA order). */
function deferStartsBehindStops(entries: readonly Entry[]): Entry[] {
  const stops = entries.some((e) => e.resolved.kind === 'act' && e.resolved.step.action === 'stopModule' && e.resolved.step.reason !== 'desiredStopped');
  return stops ? entries.map((e) => (isStartLike(e.resolved) ? { ...e, resolved: NONE } : e)) : [...entries];
}

function isTeardown(step: ActionStep): boolean {
  return (step.action === 'stopModule' && step.reason !== 'desiredStopped') || step.action === 'removeModule';
}

function emit(entries: readonly Entry[], desired: DesiredState): Step[] {
  const acts = entries.flatMap((e) => (e.resolved.kind === 'act' ? [e.resolved.step] : []));
  const waits = entries.flatMap((e) => (e.resolved.kind === 'wait' ? [e.resolved.step] : []));
  return [...acts.filter(isTeardown), ...pulls(entries, desired), ...acts.filter((s) => !isTeardown(s)), ...waits];
}

function pulls(entries: readonly Entry[], desired: DesiredState): PullImageStep[] {
  const byImage = new Map<string, string[]>();
  for (const entry of entries) {
    if (entry.resolved.kind !== 'pull') continue;
    const ids = byImage.get(entry.resolved.image) ?? [];
    ids.push(entry.id);
    byImage.set(entry.resolved.image, ids);
  }
  return [...byImage].map(([image, moduleIds]) => {
    const credentialName = registryCredentialFor(image, desired.registryCredentials);
    return { action: 'pullImage', image, moduleIds, ...(credentialName === undefined ? {} : { credentialName }) };
  });
}

/** What the runtime adds to module `id`: the settings every module gets, and its identity's generation when known. */
function runtimeOf(desired: DesiredState, id: string): string {
  const generation = desired.identityGenerations?.get(id);
  const fingerprint = desired.runtimeFingerprint ?? '';
  return generation === undefined ? fingerprint : `${fingerprint}\ngeneration=${generation}`;
}

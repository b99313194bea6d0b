import {
  DEFAULT_PLAN_POLICY,
  EMPTY_LEDGER,
  isActionStep,
  planSteps,
  recordStepOutcomes,
  type ActionStep,
  type AgentLedger,
  type DesiredState,
  type ObservedModule,
  type ObservedState,
  type Step,
  type StepOutcome,
} from '@verge/core';

// A model runtime for convergence tests (STYLE §2.8): applies steps the way Docker would, and refuses what Docker
// refuses (create over an existing name, remove a running container, start a missing one).

export interface Simulation {
  readonly modules: Map<string, ObservedModule>;
  readonly images: Set<string>;
  ledger: AgentLedger;
  nowMs: number;
}

export function newSimulation(observed: ObservedState, nowMs: number, ledger: AgentLedger = EMPTY_LEDGER): Simulation {
  return { modules: new Map(observed.modules.map((m) => [m.id, m])), images: new Set(observed.images), ledger, nowMs };
}

export function observe(sim: Simulation): ObservedState {
  return { modules: [...sim.modules.values()], images: new Set(sim.images) };
}

function existing(sim: Simulation, id: string): ObservedModule {
  const module = sim.modules.get(id);
  if (module === undefined) throw new Error(`model runtime: no module ${id}`);
  if (!module.owned) throw new Error(`model runtime: step on unmanaged module ${id}`);
  return module;
}

/** Applies one step to the model runtime; throws where Docker would refuse. */
export function applyStep(sim: Simulation, step: ActionStep): void {
  const now = sim.nowMs;
  switch (step.action) {
    case 'pullImage':
      sim.images.add(step.image);
      return;
    case 'createModule': {
      if (sim.modules.has(step.moduleId)) throw new Error(`model runtime: ${step.moduleId} already exists`);
      const image = step.module.type === 'docker' ? step.module.settings.image : undefined;
      if (image !== undefined && !sim.images.has(image)) throw new Error(`model runtime: image ${image} missing`);
      sim.modules.set(step.moduleId, { id: step.moduleId, type: step.type, state: 'created', image, configHash: step.configHash, owned: true });
      return;
    }
    case 'startModule':
    case 'restartModule': {
      const module = existing(sim, step.moduleId);
      if (step.action === 'startModule' && module.state === 'running') throw new Error(`model runtime: ${step.moduleId} already running`);
      sim.modules.set(step.moduleId, { ...module, state: 'running', startedAtMs: now, exitCode: undefined });
      return;
    }
    case 'stopModule': {
      const module = existing(sim, step.moduleId);
      if (module.state === 'running' || module.state === 'paused' || module.state === 'restarting') {
        sim.modules.set(step.moduleId, { ...module, state: 'exited', exitCode: 0, exitedAtMs: now });
      }
      return;
    }
    case 'removeModule': {
      const module = existing(sim, step.moduleId);
      if (module.state === 'running' || module.state === 'paused' || module.state === 'restarting') throw new Error(`model runtime: cannot remove live ${step.moduleId}`);
      sim.modules.delete(step.moduleId);
      return;
    }
    case 'resetHealth':
      return;
    default: {
      const never: never = step;
      throw new Error(`unknown step ${JSON.stringify(never)}`);
    }
  }
}

export interface RunOptions {
  readonly maxPasses: number;
  /** Decides whether an executed step fails (retryably); default never. */
  readonly fails?: (step: ActionStep) => boolean;
  readonly rng: () => number;
}

export interface RunResult {
  readonly converged: boolean;
  readonly passes: number;
  readonly lastPlan: Step[];
}

/**
 * The reconcile loop over the model runtime: plan, run the batch, record outcomes, observe again. When only waits
 * remain, time jumps to the earliest `untilMs`; with none, the run has converged.
 */
export function runUntilConverged(sim: Simulation, desired: DesiredState, options: RunOptions): RunResult {
  let lastPlan: Step[] = [];
  for (let pass = 1; pass <= options.maxPasses; pass++) {
    for (const [id, module] of sim.modules) if (module.state === 'removing') sim.modules.delete(id); // the runtime finishes removals
    lastPlan = planSteps(desired, observe(sim), { nowMs: sim.nowMs, health: sim.ledger.health, failures: sim.ledger.failures, policy: DEFAULT_PLAN_POLICY });
    const batch = lastPlan.filter(isActionStep);
    if (batch.length === 0) {
      const until = lastPlan.flatMap((s) => (s.action === 'wait' && s.untilMs !== undefined ? [s.untilMs] : []));
      if (until.length === 0) return { converged: true, passes: pass, lastPlan };
      sim.nowMs = Math.max(sim.nowMs, Math.min(...until));
      continue;
    }
    const outcomes = batch.map((step): StepOutcome => {
      if (options.fails?.(step) === true) return { step, ok: false, kind: 'retryable', message: 'injected failure' };
      applyStep(sim, step);
      return { step, ok: true };
    });
    sim.ledger = recordStepOutcomes(sim.ledger, outcomes, { nowMs: sim.nowMs, generation: desired.generation, backoff: DEFAULT_PLAN_POLICY.stepBackoff, rng: options.rng });
    sim.nowMs += 250;
  }
  return { converged: false, passes: options.maxPasses, lastPlan };
}

import { backoffDelayMs, type BackoffPolicy } from '../backoff/index.js';
import type { ModuleHealth } from './module-health.js';
import type { ActionStep } from './step.js';
import { stepKey } from './step.js';
import { currentFailure, type StepFailure, type StepFailureKind } from './step-failure.js';

/** What the executor layer keeps between passes: step failures by step key, restart state by module id. */
export interface AgentLedger {
  readonly failures: ReadonlyMap<string, StepFailure>;
  readonly health: ReadonlyMap<string, ModuleHealth>;
}

/** The result of executing one step. */
export type StepOutcome =
  | { readonly step: ActionStep; readonly ok: true }
  | { readonly step: ActionStep; readonly ok: false; readonly kind: StepFailureKind; readonly message: string; readonly code?: string | undefined };

/** Inputs of {@link recordStepOutcomes}. */
export interface RecordContext {
  /** When the batch finished. */
  readonly nowMs: number;
  /** Generation the batch was planned for. */
  readonly generation: number;
  readonly backoff: BackoffPolicy;
  /** Uniform [0, 1) source for the backoff jitter, drawn once per failure so the retry time stays put. */
  readonly rng: () => number;
}

/** An empty ledger. */
export const EMPTY_LEDGER: AgentLedger = { failures: new Map(), health: new Map() };

/**
 * Folds a batch's outcomes into the ledger (pure; returns a new ledger). Failures of other generations are
 * dropped. A success clears its key's failure and updates restart state: `restartModule` records the new count
 * and time, `startModule` clears `stoppedByAgentAtMs`, a `desiredStopped` stop sets it, `removeModule` and
 * `resetHealth` delete the module's entry. A failure counts up its key and schedules the retry with jitter.
 */
export function recordStepOutcomes(ledger: AgentLedger, outcomes: readonly StepOutcome[], ctx: RecordContext): AgentLedger {
  const failures = new Map([...ledger.failures].filter(([, f]) => f.generation === ctx.generation));
  const health = new Map(ledger.health);
  for (const outcome of outcomes) {
    const key = stepKey(outcome.step);
    if (outcome.ok) {
      failures.delete(key);
      applySuccess(health, outcome.step, ctx);
    } else {
      failures.set(key, nextFailure(currentFailure(failures, key, ctx.generation), outcome, ctx));
    }
  }
  return { failures, health };
}

function nextFailure(previous: StepFailure | undefined, outcome: Extract<StepOutcome, { ok: false }>, ctx: RecordContext): StepFailure {
  const attempts = (previous?.attempts ?? 0) + 1;
  const retryAtMs = outcome.kind === 'permanent' ? ctx.nowMs : ctx.nowMs + backoffDelayMs(attempts, ctx.backoff, ctx.rng());
  return {
    generation: ctx.generation,
    kind: outcome.kind,
    attempts,
    lastAttemptAtMs: ctx.nowMs,
    retryAtMs,
    message: outcome.message,
    ...(outcome.code === undefined ? {} : { code: outcome.code }),
  };
}

function applySuccess(health: Map<string, ModuleHealth>, step: ActionStep, ctx: RecordContext): void {
  switch (step.action) {
    case 'restartModule': {
      const previous = health.get(step.moduleId);
      const lastExitAtMs = previous?.lastExitAtMs;
      health.set(step.moduleId, { generation: ctx.generation, restartCount: step.restartCount, lastRestartAtMs: ctx.nowMs, ...(lastExitAtMs === undefined ? {} : { lastExitAtMs }) });
      return;
    }
    case 'startModule': {
      const previous = health.get(step.moduleId);
      if (previous?.stoppedByAgentAtMs === undefined) return;
      const { stoppedByAgentAtMs: _cleared, ...rest } = previous;
      health.set(step.moduleId, rest);
      return;
    }
    case 'stopModule': {
      if (step.reason !== 'desiredStopped') return;
      const previous = health.get(step.moduleId) ?? { generation: ctx.generation, restartCount: 0 };
      health.set(step.moduleId, { ...previous, stoppedByAgentAtMs: ctx.nowMs });
      return;
    }
    case 'removeModule':
    case 'resetHealth':
      health.delete(step.moduleId);
      return;
    case 'pullImage':
    case 'createModule':
      return;
    default: {
      const never: never = step;
      return never;
    }
  }
}

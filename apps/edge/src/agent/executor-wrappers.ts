import type { ActionStep } from '@verge/core';
import type { ExecutorContext, Executors } from './executors.js';
import { stepErrorKind } from './step-errors.js';

/** Runs around every executor call: gets the step and a function that runs it. */
export type ExecutorAround = (step: ActionStep, ctx: ExecutorContext, run: () => Promise<void>) => Promise<void>;

/** Wraps every entry of the table with `around` (iotedge LoggingCommandFactory); the result is a table of the same type. */
export function wrapExecutors(executors: Executors, around: ExecutorAround): Executors {
  const wrapped: Record<string, unknown> = {};
  for (const action of Object.keys(executors) as ActionStep['action'][]) {
    const inner = executors[action] as (s: ActionStep, c: ExecutorContext) => Promise<void>;
    wrapped[action] = (step: ActionStep, ctx: ExecutorContext) => around(step, ctx, () => inner(step, ctx));
  }
  return wrapped as Executors;
}

function stepFields(step: ActionStep): Record<string, unknown> {
  return step.action === 'pullImage' ? { step: step.action, image: step.image, moduleIds: step.moduleIds } : { step: step.action, moduleId: step.moduleId };
}

/** Logs each step: `info` when it succeeded (a state change), `warn` with the error and its kind when it failed. */
export const logSteps: ExecutorAround = async (step, ctx, run) => {
  const startedAt = performance.now();
  try {
    await run();
    ctx.log.info({ ...stepFields(step), durationMs: Math.round(performance.now() - startedAt) }, 'step succeeded');
  } catch (err) {
    ctx.log.warn({ ...stepFields(step), durationMs: Math.round(performance.now() - startedAt), err, kind: stepErrorKind(err) }, 'step failed');
    throw err;
  }
};

/** Receives one observation per executed step (e.g. a prom-client histogram and counter). */
export interface StepMetrics {
  observe(action: ActionStep['action'], outcome: 'ok' | 'retryable' | 'permanent' | 'prerequisite', durationMs: number, step: ActionStep): void;
}

/** Records each step's outcome and duration in `metrics`. */
export function measureSteps(metrics: StepMetrics): ExecutorAround {
  return async (step, _ctx, run) => {
    const startedAt = performance.now();
    try {
      await run();
      metrics.observe(step.action, 'ok', performance.now() - startedAt, step);
    } catch (err) {
      metrics.observe(step.action, stepErrorKind(err), performance.now() - startedAt, step);
      throw err;
    }
  };
}

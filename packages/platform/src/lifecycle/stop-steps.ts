import type { Logger } from 'pino';

/** One step of an ordered shutdown: stop a listener, flush a queue, close a store. */
export interface StopStep {
  /** Names the step in logs (`step` field). */
  readonly name: string;
  readonly stop: () => unknown;
}

/** How {@link runStopSteps} runs and reports. */
export interface StopStepsOptions {
  readonly log: Logger;
  /** Longest one step may take before the next one runs anyway (its work is abandoned, not cancelled); default: no limit. */
  readonly stepTimeoutMs?: number;
}

/** A step that failed (threw, rejected or timed out). */
export interface FailedStopStep {
  readonly name: string;
  readonly err: unknown;
}

/**
 * The one ordered shutdown of Verge: runs `steps` one at a time in the given order. A step that throws, rejects or
 * outlives `stepTimeoutMs` is logged (`stop step failed`) and the next step runs: one failure never skips the rest
 * (a store is closed even when a listener would not stop). Never rejects; returns the failed steps.
 */
export async function runStopSteps(steps: readonly StopStep[], options: StopStepsOptions): Promise<FailedStopStep[]> {
  const failed: FailedStopStep[] = [];
  for (const step of steps) {
    const startedAt = Date.now();
    try {
      await withTimeout(Promise.resolve().then(step.stop), options.stepTimeoutMs, step.name);
      options.log.debug({ step: step.name, durationMs: Date.now() - startedAt }, 'stopped');
    } catch (err) {
      failed.push({ name: step.name, err });
      options.log.error({ step: step.name, err }, 'stop step failed');
    }
  }
  return failed;
}

function withTimeout(p: Promise<unknown>, ms: number | undefined, name: string): Promise<unknown> {
  if (ms === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stop step "${name}" did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

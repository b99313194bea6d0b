import { runStopSteps, type StopStep, type StopStepsOptions } from './stop-steps.js';

/**
 * The stop steps of what a component has started, registered as each part starts: `stop()` runs them in reverse
 * order of registration (last started, first stopped), so a failed start stops exactly what was started.
 */
export interface StopSequence {
  /**
   * Adds the stop step of a part that just started. A step added once `stop()` has begun runs right after the
   * steps already running (a part that finished starting during shutdown is still stopped).
   */
  onStop(name: string, stop: () => unknown): void;
  /** Runs every step once, in reverse order of registration; later calls return the same promise. Never rejects. */
  stop(): Promise<void>;
  /** True once `stop()` has been called. */
  readonly stopping: boolean;
}

/** Creates an empty {@link StopSequence}; steps run through {@link runStopSteps} (failures logged, none skipped). */
export function createStopSequence(options: StopStepsOptions): StopSequence {
  const steps: StopStep[] = [];
  let running: Promise<void> | undefined;
  return {
    onStop(name, stop) {
      if (running === undefined) steps.push({ name, stop });
      else running = running.then(() => runStopSteps([{ name, stop }], options)).then(() => undefined);
    },
    stop() {
      running ??= runStopSteps(steps.splice(0).reverse(), options).then(() => undefined);
      return running;
    },
    get stopping() {
      return running !== undefined;
    },
  };
}

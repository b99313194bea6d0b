import { randomUUID } from 'node:crypto';
import type { Clock } from '@verge/contracts';
import {
  backoffDelayMs,
  isActionStep,
  planSteps,
  recordStepOutcomes,
  RUNTIME_OUTAGE_BACKOFF,
  type AgentLedger,
  type BackoffPolicy,
  type DesiredState,
  type PlanPolicy,
  type Step,
  type StepOutcome,
} from '@verge/core';
import type { Logger } from '@verge/platform';
import { classifyOutcome, runStep, type Executors, type RuntimesByType } from './executors.js';
import type { LedgerStore } from './ledger-store.js';
import { observeRuntimes, type Observation } from './observe.js';
import { PrerequisiteError } from './step-errors.js';
import { Wake } from './wake.js';

/** What one pass saw and did. */
export interface PassResult {
  readonly desired: DesiredState | undefined;
  /** Absent when the runtimes could not be observed. */
  readonly observation: Observation | undefined;
  /** The plan (actions and waits); empty without a deployment. */
  readonly steps: readonly Step[];
  /** Outcomes of the executed batch (without those dropped by a PrerequisiteError). */
  readonly executed: readonly StepOutcome[];
  readonly ledger: AgentLedger;
  /** Why the pass was cut short (runtime unreachable, a batch dropped). */
  readonly error?: Error;
}

/** What the loop works with (all injected; STYLE §2.1: no module-level state). */
export interface ReconcileLoopDeps {
  readonly runtimes: RuntimesByType;
  readonly executors: Executors;
  readonly ledgerStore: Pick<LedgerStore, 'save'>;
  /** The desired state of the last valid deployment; undefined before the first one (then nothing is planned). */
  readonly desired: () => DesiredState | undefined;
  /** Runs before planning (module identities); a rejection is logged and the pass goes on. */
  readonly beforePlan?: (desired: DesiredState) => Promise<void>;
  /** Called after every pass (reporter, management API). */
  readonly onPass: (pass: PassResult) => void;
  readonly clock: Clock;
  readonly log: Logger;
  readonly policy: PlanPolicy;
  /** Jitter source of the step backoff: `Math.random` at the edge. */
  readonly rng: () => number;
  /** Sleep between passes when nothing is due; default 5 s (EA, reference §2.4). */
  readonly periodMs?: number;
  /** Back-off of the whole loop while a runtime is unreachable; default `RUNTIME_OUTAGE_BACKOFF` (1 s doubling to 60 s). */
  readonly prerequisiteBackoff?: BackoffPolicy;
}

/**
 * The agent's reconcile loop (STYLE §2.3): level-based and single-threaded. Each pass observes the runtimes, plans
 * with the pure core, runs the batch of independent steps at once (`Promise.allSettled`), folds the outcomes into
 * the ledger (persisted, so restart counters survive a runtime restart) and reports. A pass that executed steps is
 * followed at once by another (re-observe, never replay a plan); otherwise the loop sleeps until the earliest
 * `wait.untilMs`, the 5 s period, or a coalesced wake-up (new deployment, runtime event).
 */
export class ReconcileLoop {
  private current: AgentLedger;
  private readonly wakeUps: Wake;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private prerequisiteFailures = 0;

  constructor(
    private readonly deps: ReconcileLoopDeps,
    initialLedger: AgentLedger,
  ) {
    this.current = initialLedger;
    this.wakeUps = new Wake(deps.clock);
  }

  get ledger(): AgentLedger {
    return this.current;
  }

  /** Starts the loop and the runtime event listeners (idempotent). */
  start(): void {
    if (this.running !== undefined) return;
    for (const runtime of Object.values(this.deps.runtimes)) if (runtime !== undefined) void this.listen(runtime.events(this.abort.signal));
    this.running = this.run();
  }

  /** Requests a pass as soon as the current one ends. */
  wake(reason: string): void {
    this.wakeUps.trigger(reason);
  }

  /** Stops after the current pass (in-flight steps see the abort signal). */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeUps.trigger('stop');
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let delayMs: number;
      try {
        delayMs = await this.runPass();
      } catch (err) {
        this.deps.log.error({ err }, 'reconcile pass failed');
        delayMs = this.deps.periodMs ?? 5_000;
      }
      if (signal.aborted) break;
      const reasons = await this.wakeUps.sleep(delayMs, signal);
      this.deps.log.debug({ reasons }, 'reconcile wake-up');
    }
  }

  private async listen(events: AsyncIterable<{ readonly kind: string }>): Promise<void> {
    try {
      for await (const event of events) this.wake(`runtime ${event.kind}`);
    } catch (err) {
      if (!this.abort.signal.aborted) this.deps.log.warn({ err }, 'runtime event stream ended');
    }
  }

  /** One pass; resolves with how long to sleep before the next one. */
  async runPass(): Promise<number> {
    const { deps } = this;
    const log = deps.log.child({ reconcileId: randomUUID() });
    const periodMs = deps.periodMs ?? 5_000;
    let desired = deps.desired();
    let observation: Observation;
    try {
      observation = await observeRuntimes(deps.runtimes, () => deps.clock.nowMs());
    } catch (err) {
      return this.backOff(log, desired, err, undefined, [], []);
    }
    this.prerequisiteFailures = 0;
    if (desired === undefined) {
      deps.onPass({ desired, observation, steps: [], executed: [], ledger: this.current });
      return periodMs;
    }
    if (deps.beforePlan !== undefined) {
      await deps.beforePlan(desired).catch((err: unknown) => log.warn({ err }, 'preparing the pass failed'));
      // What the preparation learnt (identity generations) enters the plan.
      desired = deps.desired() ?? desired;
    }
    const nowMs = deps.clock.nowMs();
    const steps = planSteps(desired, observation.observed, { nowMs, health: this.current.health, failures: this.current.failures, policy: deps.policy });
    const batch = steps.filter(isActionStep);
    if (batch.length === 0) {
      deps.onPass({ desired, observation, steps, executed: [], ledger: this.current });
      const untils = steps.flatMap((s) => (s.action === 'wait' && s.untilMs !== undefined ? [s.untilMs] : []));
      return Math.max(0, Math.min(periodMs, ...untils.map((u) => u - nowMs)));
    }
    log.info({ steps: batch.map((s) => s.action), generation: desired.generation }, 'executing a batch');
    const settled = await Promise.allSettled(batch.map((s) => runStep(deps.executors, s, { signal: this.abort.signal, log })));
    const outcomes: StepOutcome[] = [];
    let prerequisite: PrerequisiteError | undefined;
    settled.forEach((result, i) => {
      const outcome = classifyOutcome(batch[i] as (typeof batch)[number], result);
      if (outcome instanceof PrerequisiteError) prerequisite = outcome;
      else outcomes.push(outcome);
    });
    this.current = recordStepOutcomes(this.current, outcomes, { nowMs: deps.clock.nowMs(), generation: desired.generation, backoff: deps.policy.stepBackoff, rng: deps.rng });
    await deps.ledgerStore.save(this.current).catch((err: unknown) => log.error({ err }, 'cannot persist the ledger'));
    if (prerequisite !== undefined) return this.backOff(log, desired, prerequisite, observation, steps, outcomes);
    deps.onPass({ desired, observation, steps, executed: outcomes, ledger: this.current });
    return 0;
  }

  private backOff(log: Logger, desired: DesiredState | undefined, err: unknown, observation: Observation | undefined, steps: readonly Step[], executed: readonly StepOutcome[]): number {
    this.prerequisiteFailures += 1;
    const delayMs = backoffDelayMs(this.prerequisiteFailures, this.deps.prerequisiteBackoff ?? RUNTIME_OUTAGE_BACKOFF, this.deps.rng());
    const error = err instanceof Error ? err : new Error(String(err));
    log.warn({ err: error, retryInMs: delayMs }, 'runtime unavailable: backing off the reconcile loop');
    this.deps.onPass({ desired, observation, steps, executed, ledger: this.current, error });
    return delayMs;
  }
}

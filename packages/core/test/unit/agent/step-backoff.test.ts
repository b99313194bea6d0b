import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_PLAN_POLICY,
  EMPTY_LEDGER,
  planSteps,
  recordStepOutcomes,
  stepKey,
  type ActionStep,
  type AgentLedger,
  type StepOutcome,
} from '@verge/core';
import { aModule, anObservedModule, desiredOf, imagesOf, observedOf, seededRng, T0 } from './builders.js';
import { create, pull, remove, restart, start, stop, waitFor } from './steps.js';

// Step failures as data (STYLE §2.3): a failed step key backs off exponentially with ±20% jitter drawn from the
// injected rng, permanent failures park it, and a new generation clears both.

const backoff = DEFAULT_PLAN_POLICY.stepBackoff;
const m = aModule('m');

function plan(ledger: AgentLedger, nowMs: number, generation = 7, observed = observedOf([], imagesOf(m))) {
  return planSteps(desiredOf([m], { generation }), observed, { nowMs, health: ledger.health, failures: ledger.failures, policy: DEFAULT_PLAN_POLICY });
}

function fail(step: unknown, kind: 'retryable' | 'permanent' = 'retryable', message = 'boom'): StepOutcome {
  return { step: step as ActionStep, ok: false, kind, message };
}

describe('the step backoff (backoffDelayMs with the plan policy)', () => {
  const rows: [number, number, number][] = [
    // [attempts, rng value, delay]
    [1, 0.5, 1_000],
    [2, 0.5, 2_000],
    [3, 0.5, 4_000],
    [9, 0.5, 256_000],
    [10, 0.5, 300_000],
    [40, 0.5, 300_000],
    [1, 0, 800],
    [1, 0.999_999, 1_200],
    [10, 0, 240_000],
  ];
  it.each(rows)('after %i failures with rng %d: %i ms', (attempts, value, delay) => {
    expect(backoffDelayMs(attempts, backoff, value)).toBe(delay);
  });

  it('stays within ±20% of min(base × 2^(n−1), max) for any rng value', () => {
    const rng = seededRng(7);
    for (let attempts = 1; attempts < 30; attempts++) {
      const nominal = Math.min(1_000 * 2 ** (attempts - 1), 300_000);
      const delay = backoffDelayMs(attempts, backoff, rng());
      expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
      expect(delay).toBeLessThanOrEqual(Math.ceil(nominal * 1.2));
    }
  });
});

describe('planSteps with a seeded ledger: retry, backoff, success, generation reset', () => {
  const rng = seededRng(42); // draws 0.6011…, 0.4483…, 0.8525…: factors 1.0404, 0.9793, 1.1410
  const createM = create(m);
  let ledger = EMPTY_LEDGER;
  const record = (outcomes: StepOutcome[], nowMs: number, generation = 7) => {
    ledger = recordStepOutcomes(ledger, outcomes, { nowMs, generation, backoff, rng });
  };

  it('retries a failed step after a jittered, doubling delay, as wait steps in between', () => {
    expect(plan(ledger, T0)).toEqual([createM]);
    record([fail(createM)], T0);
    expect(ledger.failures.get('createModule:m')).toEqual({ generation: 7, kind: 'retryable', attempts: 1, lastAttemptAtMs: T0, retryAtMs: T0 + 1_040, message: 'boom' });
    expect(plan(ledger, T0 + 1_000)).toEqual([
      waitFor('m', { reason: 'retryBackoff', untilMs: T0 + 1_040, blockedKey: 'createModule:m', detail: 'createModule:m failed 1 time: boom; retrying in 1 s' }),
    ]);
    expect(plan(ledger, T0 + 1_040)).toEqual([createM]);
    record([fail(createM)], T0 + 1_040);
    expect(ledger.failures.get('createModule:m')?.retryAtMs).toBe(T0 + 1_040 + 1_959);
    record([fail(createM)], T0 + 2_999);
    expect(ledger.failures.get('createModule:m')).toMatchObject({ attempts: 3, retryAtMs: T0 + 2_999 + 4_564 });
    expect(plan(ledger, T0 + 7_562)).toEqual([
      waitFor('m', { reason: 'retryBackoff', untilMs: T0 + 7_563, blockedKey: 'createModule:m', detail: 'createModule:m failed 3 times: boom; retrying in 1 s' }),
    ]);
  });

  it('forgets the failures of an older generation', () => {
    expect(plan(ledger, T0 + 3_000, 8)).toEqual([createM]);
    const other = recordStepOutcomes(ledger, [], { nowMs: T0 + 3_000, generation: 8, backoff, rng });
    expect(other.failures.size).toBe(0);
  });

  it('clears the failure on success', () => {
    record([{ step: createM as ActionStep, ok: true }], T0 + 7_563);
    expect(ledger.failures.size).toBe(0);
    const created = observedOf([anObservedModule(m, { state: 'created', startedAtMs: undefined })], imagesOf(m));
    expect(plan(ledger, T0 + 7_600, 7, created)).toEqual([start('m')]);
  });
});

describe('permanent failures park the step until the next generation', () => {
  const pullM = pull('example.azurecr.io/m:1.0', ['m', 'n']);
  const n = aModule('n', { image: 'example.azurecr.io/m:1.0' });
  const ledger = recordStepOutcomes(EMPTY_LEDGER, [fail(pullM, 'permanent', 'manifest unknown (404)')], { nowMs: T0, generation: 7, backoff, rng: () => 0.5 });
  const planAt = (generation: number, nowMs: number) =>
    planSteps(desiredOf([m, n], { generation }), observedOf([]), { nowMs, health: ledger.health, failures: ledger.failures, policy: DEFAULT_PLAN_POLICY });

  it('parks every module waiting for the image', () => {
    const detail = 'pullImage:example.azurecr.io/m:1.0 failed: manifest unknown (404); not retried before the next deployment';
    const expected = [
      waitFor('m', { reason: 'parked', blockedKey: 'pullImage:example.azurecr.io/m:1.0', detail }),
      waitFor('n', { reason: 'parked', blockedKey: 'pullImage:example.azurecr.io/m:1.0', detail }),
    ];
    expect(planAt(7, T0 + 86_400_000)).toEqual(expected);
  });

  it('tries again in a new generation', () => {
    expect(planAt(8, T0 + 1)).toEqual([pullM]);
  });
});

describe('a start that failed permanently parks the restart too (issue 7)', () => {
  const startM = start('m');
  const ledger = recordStepOutcomes(EMPTY_LEDGER, [fail(startM, 'permanent', 'uid 1600000000 cannot reach /root/m.mjs')], { nowMs: T0, generation: 7, backoff, rng: () => 0.5 });
  const exited = observedOf([anObservedModule(m, { state: 'exited', exitCode: 126, startedAtMs: T0, exitedAtMs: T0 })], imagesOf(m));

  it('does not restart the exited module under the restart key once the cool-off is over', () => {
    const detail = 'startModule:m failed: uid 1600000000 cannot reach /root/m.mjs; not retried before the next deployment';
    expect(plan(ledger, T0 + 86_400_000, 7, exited)).toEqual([waitFor('m', { reason: 'parked', blockedKey: 'startModule:m', detail })]);
  });

  it('restarts it in a new generation', () => {
    expect(plan(ledger, T0 + 86_400_000, 8, exited)).toEqual([restart('m', 1)]);
  });
});

describe('recordStepOutcomes: restart state', () => {
  const ctx = { nowMs: T0, generation: 7, backoff, rng: () => 0.5 };
  const at = (steps: unknown[], ledger: AgentLedger = EMPTY_LEDGER) => recordStepOutcomes(ledger, steps.map((step) => ({ step: step as ActionStep, ok: true as const })), ctx);

  it('records a restart with its count and time', () => {
    expect(at([restart('m', 3)]).health.get('m')).toEqual({ generation: 7, restartCount: 3, lastRestartAtMs: T0 });
  });

  it('marks a module stopped for a desired stopped, and clears the mark when it is started', () => {
    const stopped = at([stop('m', 'desiredStopped')]);
    expect(stopped.health.get('m')).toEqual({ generation: 7, restartCount: 0, stoppedByAgentAtMs: T0 });
    expect(at([start('m')], stopped).health.get('m')).toEqual({ generation: 7, restartCount: 0 });
    expect(at([stop('m', 'removed')]).health.has('m')).toBe(false);
  });

  it('forgets a removed module and a module out of intensive care', () => {
    const restarted = at([restart('m', 3), restart('n', 1)]);
    const after = at([remove('m', 'removed'), { action: 'resetHealth', moduleId: 'n', type: 'docker', reason: 'intensiveCare' }], restarted);
    expect(after.health.size).toBe(0);
  });

  it('keys failures by stepKey', () => {
    expect([pull('x:1', ['a']), create(m), start('m'), stop('m', 'removed'), remove('m', 'dead'), restart('m', 1)].map((s) => stepKey(s as ActionStep))).toEqual([
      'pullImage:x:1',
      'createModule:m',
      'startModule:m',
      'stopModule:m',
      'removeModule:m',
      'restartModule:m',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { RestartPolicy } from '@verge/contracts';
import { coolOffMs, DEFAULT_PLAN_POLICY, planSteps, statusFromRestartPolicy, statusFromState, type ModuleHealth, type ObservedModuleState, type RuntimeStatus } from '@verge/core';
import { aModule, anExitedModule, anObservedModule, ctxOf, desiredOf, imagesOf, observedOf, T0 } from './builders.js';
import { resetHealth, restart, start, waitFor } from './steps.js';

// Restart policy & backoff exactly as reference azure-iot-edge.md §2.3 and §2.5 (EA RestartPolicyManager,
// HealthRestartPlanner). Generation 7 throughout; health of generation 7 counts.

describe('statusFromState (reference §2.3)', () => {
  const rows: [ObservedModuleState, number | undefined, RuntimeStatus][] = [
    ['running', undefined, 'running'],
    ['created', undefined, 'stopped'],
    ['paused', undefined, 'stopped'],
    ['restarting', undefined, 'stopped'],
    ['exited', 0, 'stopped'],
    ['exited', undefined, 'stopped'],
    ['exited', 1, 'failed'],
    ['exited', 137, 'failed'],
    ['removing', 0, 'stopped'],
    ['removing', 2, 'failed'],
    ['dead', 0, 'dead'],
    ['unknown', undefined, 'unknown'],
  ];
  it.each(rows)('%s (exit %s) → %s', (state, exitCode, status) => {
    expect(statusFromState(state, exitCode)).toBe(status);
  });
});

describe('statusFromRestartPolicy (reference §2.5 steps 1–3)', () => {
  const policies: RestartPolicy[] = ['never', 'on-failure', 'on-unhealthy', 'always'];
  // [status, policy, restartCount, expected]
  const rows: [RuntimeStatus, RestartPolicy, number, RuntimeStatus][] = [
    ...policies.map((p): [RuntimeStatus, RestartPolicy, number, RuntimeStatus] => ['running', p, 0, 'running']),
    ...policies.map((p): [RuntimeStatus, RestartPolicy, number, RuntimeStatus] => ['dead', p, 0, 'dead']),
    ['stopped', 'never', 0, 'stopped'],
    ['stopped', 'on-failure', 0, 'stopped'],
    ['stopped', 'on-unhealthy', 0, 'stopped'],
    ['stopped', 'always', 0, 'backoff'],
    ['stopped', 'always', 19, 'backoff'],
    ['stopped', 'always', 20, 'failed'],
    ['failed', 'never', 0, 'failed'],
    ['failed', 'on-failure', 0, 'backoff'],
    ['failed', 'on-failure', 19, 'backoff'],
    ['failed', 'on-failure', 20, 'failed'],
    ['failed', 'on-unhealthy', 5, 'backoff'],
    ['failed', 'always', 21, 'failed'],
    ['unhealthy', 'never', 0, 'unhealthy'],
    ['unhealthy', 'on-failure', 0, 'backoff'],
    ['unhealthy', 'on-unhealthy', 20, 'failed'],
    ['backoff', 'always', 3, 'backoff'],
  ];
  it.each(rows)('%s under %s after %i restarts → %s', (status, policy, count, expected) => {
    expect(statusFromRestartPolicy(status, policy, count, 20)).toBe(expected);
  });
});

describe('coolOffMs: min(10 × 2^n, 300) s', () => {
  const rows: [number, number][] = [[0, 10], [1, 20], [2, 40], [3, 80], [4, 160], [5, 300], [6, 300], [19, 300], [20, 300]];
  it.each(rows)('after %i restarts: %i s', (count, seconds) => {
    expect(coolOffMs(count, DEFAULT_PLAN_POLICY)).toBe(seconds * 1000);
  });
});

/** One module `m` that exited with `exitCode` `elapsedMs` before T0, after `restartCount` restarts. */
function planExited(policy: RestartPolicy, exitCode: number, restartCount: number, elapsedMs: number, health: Partial<ModuleHealth> = {}) {
  const spec = aModule('m', { restartPolicy: policy });
  const entry: ModuleHealth = { generation: 7, restartCount, lastRestartAtMs: T0 - elapsedMs - 1_000, ...health };
  return planSteps(desiredOf([spec]), observedOf([anExitedModule(spec, exitCode, T0 - elapsedMs)], imagesOf(spec)), ctxOf({ health: { m: entry } }));
}

const coolOff = (count: number, exitedAtMs: number, coolOffSec: number) =>
  waitFor('m', {
    reason: 'coolOff',
    untilMs: exitedAtMs + coolOffSec * 1000 + 1,
    blockedKey: 'restartModule:m',
    detail: `restart ${count + 1} of 20 in ${Math.ceil((exitedAtMs + coolOffSec * 1000 + 1 - T0) / 1000)} s (cool-off after ${count} restarts)`,
  });

describe('planSteps: restart policy × exit code × restart count × time (reference §2.5)', () => {
  // [policy, exitCode, restartCount, elapsed ms since exit, expected steps]
  const rows: [RestartPolicy, number, number, number, unknown[]][] = [
    // never: stopped and failed stay as they are
    ['never', 0, 0, 3_600_000, []],
    ['never', 1, 0, 3_600_000, []],
    // on-failure: a clean exit stays stopped; a crash restarts after the cool-off
    ['on-failure', 0, 0, 3_600_000, []],
    ['on-failure', 1, 0, 10_000, [coolOff(0, T0 - 10_000, 10)]],
    ['on-failure', 1, 0, 10_001, [restart('m', 1)]],
    // on-unhealthy acts as on-failure (no health probe reports unhealthy)
    ['on-unhealthy', 0, 0, 3_600_000, []],
    ['on-unhealthy', 139, 0, 10_001, [restart('m', 1)]],
    // always: any exit
    ['always', 0, 0, 5_000, [coolOff(0, T0 - 5_000, 10)]],
    ['always', 0, 0, 10_001, [restart('m', 1)]],
    ['always', 2, 0, 10_001, [restart('m', 1)]],
    // cool-off boundaries: wait at exactly the cool-off, restart 1 ms later
    ['always', 1, 1, 20_000, [coolOff(1, T0 - 20_000, 20)]],
    ['always', 1, 1, 20_001, [restart('m', 2)]],
    ['always', 1, 2, 40_000, [coolOff(2, T0 - 40_000, 40)]],
    ['always', 1, 2, 40_001, [restart('m', 3)]],
    ['always', 1, 3, 80_000, [coolOff(3, T0 - 80_000, 80)]],
    ['always', 1, 3, 80_001, [restart('m', 4)]],
    ['always', 1, 4, 160_000, [coolOff(4, T0 - 160_000, 160)]],
    ['always', 1, 4, 160_001, [restart('m', 5)]],
    ['always', 1, 5, 300_000, [coolOff(5, T0 - 300_000, 300)]],
    ['always', 1, 5, 300_001, [restart('m', 6)]],
    ['always', 1, 12, 299_999, [coolOff(12, T0 - 299_999, 300)]],
    ['always', 1, 12, 300_001, [restart('m', 13)]],
    // the 20-restart cap: the 20th restart happens, then the module stays failed
    ['always', 1, 19, 300_001, [restart('m', 20)]],
    ['always', 1, 20, 3_600_000, []],
    ['always', 0, 25, 3_600_000, []],
    ['on-failure', 1, 20, 3_600_000, []],
    // clock skew: an exit time in the future restarts at once
    ['always', 1, 3, -5_000, [restart('m', 4)]],
    // woken by the exit event in the same millisecond: the cool-off still applies (EA polls and restarts at ≤ 0)
    ['always', 1, 3, 0, [coolOff(3, T0, 80)]],
  ];
  it.each(rows)('%s, exit %i, %i restarts, %i ms after the exit', (policy, exitCode, count, elapsed, expected) => {
    expect(planExited(policy, exitCode, count, elapsed)).toEqual(expected);
  });

  it('resets the counters in a new generation (the cap no longer holds)', () => {
    expect(planExited('always', 1, 20, 10_001, { generation: 6 })).toEqual([restart('m', 1)]);
    expect(planExited('always', 1, 20, 5_000, { generation: 6 })).toEqual([coolOff(0, T0 - 5_000, 10)]);
  });

  it('restarts at once when the exit time is unknown, and falls back to the ledger exit time', () => {
    const spec = aModule('m');
    const exited = anObservedModule(spec, { state: 'exited', exitCode: 1, exitedAtMs: undefined });
    expect(planSteps(desiredOf([spec]), observedOf([exited]), ctxOf({ health: { m: { generation: 7, restartCount: 2 } } }))).toEqual([restart('m', 3)]);
    const health = { m: { generation: 7, restartCount: 0, lastExitAtMs: T0 - 4_000 } };
    expect(planSteps(desiredOf([spec]), observedOf([exited]), ctxOf({ health }))).toEqual([coolOff(0, T0 - 4_000, 10)]);
  });

  it('starts a module never started, whatever its policy (reference §2.5)', () => {
    for (const policy of ['never', 'on-failure', 'on-unhealthy', 'always'] as const) {
      const spec = aModule('m', { restartPolicy: policy });
      const created = anObservedModule(spec, { state: 'created', startedAtMs: undefined });
      expect(planSteps(desiredOf([spec]), observedOf([created]), ctxOf())).toEqual([start('m')]);
    }
  });

  it('starts a paused module under a policy above never, leaves it under never, restarts it under always', () => {
    const rows: [RestartPolicy, unknown[]][] = [['never', []], ['on-failure', [start('m')]], ['on-unhealthy', [start('m')]], ['always', [restart('m', 1)]]];
    for (const [policy, expected] of rows) {
      const spec = aModule('m', { restartPolicy: policy });
      expect(planSteps(desiredOf([spec]), observedOf([anObservedModule(spec, { state: 'paused' })]), ctxOf())).toEqual(expected);
    }
  });

  it('leaves a container Docker is restarting unless the policy is always', () => {
    const onFailure = aModule('m', { restartPolicy: 'on-failure' });
    expect(planSteps(desiredOf([onFailure]), observedOf([anObservedModule(onFailure, { state: 'restarting' })]), ctxOf())).toEqual([]);
  });

  it('does not apply the restart policy to a module desired stopped', () => {
    const spec = aModule('m', { status: 'stopped', restartPolicy: 'always' });
    expect(planSteps(desiredOf([spec]), observedOf([anExitedModule(spec, 1, T0 - 60_000)]), ctxOf())).toEqual([]);
  });
});

describe('planSteps: intensive care (reference §2.5)', () => {
  const spec = aModule('m');
  const health = { m: { generation: 7, restartCount: 4, lastRestartAtMs: T0 - 700_000 } };
  const rows: [string, number | undefined, Record<string, ModuleHealth>, unknown[]][] = [
    ['running exactly 10 min: keep the counters', T0 - 600_000, health, []],
    ['running 10 min + 1 ms: clear them', T0 - 600_001, health, [resetHealth('m')]],
    ['no entry: nothing to clear', T0 - 3_600_000, {}, []],
    ['start time unknown: keep', undefined, health, []],
    ['a stale entry of an older generation is cleared too', T0 - 600_001, { m: { generation: 3, restartCount: 20 } }, [resetHealth('m')]],
  ];
  it.each(rows)('%s', (_name, startedAtMs, entries, expected) => {
    const running = anObservedModule(spec, { startedAtMs });
    expect(planSteps(desiredOf([spec]), observedOf([running]), ctxOf({ health: entries }))).toEqual(expected);
  });
});

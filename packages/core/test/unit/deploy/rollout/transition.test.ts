import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { commandRollout, newRolloutState, observeRollout, parseRolloutPolicy, type RolloutState, type RolloutSubject } from '@verge/core';
import { aReport, deviceIds, observing } from './rollout-builders.js';

const T0 = 1_700_000_000_000;
const subject: RolloutSubject = {
  deploymentId: 'web-v2',
  policy: parseRolloutPolicy({
    waves: [
      { count: 2, successRate: 1, deadlineSeconds: 60 },
      { percent: 50, successRate: 0.5, failureRate: 0.25, deadlineSeconds: 60 },
      { percent: 100, successRate: 1, deadlineSeconds: 60 },
    ],
  }),
};
const fleet = deviceIds(10);

function allOk(ids: readonly string[]): Record<string, ReturnType<typeof aReport>> {
  return Object.fromEntries(ids.map((id) => [id, aReport()]));
}

function started(): RolloutState {
  return observeRollout(subject, newRolloutState(subject.policy, T0), observing(fleet), T0).state;
}

describe('rollout transitions', () => {
  it('starts with a snapshot then the admission of the first wave, and waits for its deadline', () => {
    const t = observeRollout(subject, newRolloutState(subject.policy, T0), observing(fleet), T0);
    const ids = t.state.waves[0]!.deviceIds;
    expect(ids).toHaveLength(2);
    expect(t.steps).toEqual([
      { action: 'snapshot', deviceIds: ids },
      { action: 'admit', wave: 0, deviceIds: ids },
    ]);
    expect(t.wakeAtMs).toBe(T0 + 60_000);
    expect(t.state.waves[0]).toMatchObject({ result: 'running', startedAtMs: T0, counts: { considered: 2, pending: 2 } });
  });

  it('moves wave by wave to completion, admitting late joiners into the last wave', () => {
    let s = started();
    const w1 = s.waves[0]!.deviceIds;
    let t = observeRollout(subject, s, observing(fleet, allOk(w1)), T0 + 1000);
    expect(t.state.waves[0]!.result).toBe('passed');
    expect(t.state.currentWave).toBe(1);
    const w2 = t.state.waves[1]!.deviceIds;
    expect(w2).toHaveLength(5);
    expect(t.steps.map((x) => x.action)).toEqual(['snapshot', 'admit']);
    s = t.state;
    t = observeRollout(subject, s, observing(fleet, allOk([...w1, ...w2])), T0 + 2000);
    const w3 = t.state.waves[2]!.deviceIds;
    expect(w3).toHaveLength(3);
    expect(new Set([...w1, ...w2, ...w3]).size).toBe(10);
    s = t.state;
    t = observeRollout(subject, s, observing([...fleet, 'late-1'], allOk(fleet)), T0 + 3000);
    expect(t.steps).toEqual([
      { action: 'snapshot', deviceIds: ['late-1'] },
      { action: 'admit', wave: 2, deviceIds: ['late-1'] },
    ]);
    expect(t.state.status).toBe('running');
    t = observeRollout(subject, t.state, observing([...fleet, 'late-1'], allOk([...fleet, 'late-1'])), T0 + 4000);
    expect(t.state.status).toBe('completed');
    expect(t.steps).toEqual([{ action: 'complete' }]);
  });

  it('halts and rolls back every admitted device when a wave breaches its failure rate', () => {
    const s = started();
    let t = observeRollout(subject, s, observing(fleet, allOk(s.waves[0]!.deviceIds)), T0 + 1000);
    const moved = [...t.state.waves[0]!.deviceIds, ...t.state.waves[1]!.deviceIds];
    const reports = allOk(moved);
    const [a, b] = t.state.waves[1]!.deviceIds;
    reports[a!] = aReport(500);
    reports[b!] = aReport(200, { sim: { runtimeStatus: 'failed' } });
    t = observeRollout(subject, t.state, observing(fleet, reports), T0 + 2000);
    expect(t.state.status).toBe('rolledBack');
    expect(t.state.haltReason).toBe('wave 2: 2 of 5 devices failed (40%), above the failure rate 25%');
    expect(t.steps).toEqual([
      { action: 'halt', reason: t.state.haltReason, rollback: true },
      { action: 'rollback', deviceIds: moved },
    ]);
    expect(observeRollout(subject, t.state, observing(fleet), T0 + 3000)).toEqual({ state: t.state, steps: [] });
  });

  it('halts without rollback when autoRollback is off or the gate cannot be evaluated', () => {
    const noRollback = { ...subject, policy: { ...subject.policy, autoRollback: false } };
    const t = observeRollout(noRollback, started(), observing(fleet), T0 + 60_000);
    expect(t.state.status).toBe('halted');
    expect(t.steps).toEqual([{ action: 'halt', reason: 'wave 1: deadline of 60s passed with 0 of 2 devices succeeded (0%), needed 100%', rollback: false }]);
    const gone = observeRollout(subject, started(), observing(['someone-else']), T0 + 1000);
    expect(gone.state.status).toBe('halted');
    expect(gone.state.haltReason).toBe('wave 1 cannot be evaluated: it has no device the deployment still targets');
    const empty = observeRollout(subject, newRolloutState(subject.policy, T0), observing([]), T0);
    expect(empty.state.status).toBe('halted');
    expect(empty.state.haltReason).toBe('wave 1 cannot be evaluated: the deployment targets no device it has not reached yet');
  });

  it('resumes a halted rollout with a fresh deadline; a wave that found no device looks again', () => {
    const empty = observeRollout(subject, newRolloutState(subject.policy, T0), observing([]), T0).state;
    const resumed = commandRollout(subject, empty, { type: 'resume' }, T0 + 5000).state;
    expect(resumed).toMatchObject({ status: 'running', waves: [{ result: 'waiting', deviceIds: [] }, {}, {}] });
    expect(resumed.haltReason).toBeUndefined();
    const t = observeRollout(subject, resumed, observing(fleet), T0 + 6000);
    expect(t.state.waves[0]).toMatchObject({ result: 'running', startedAtMs: T0 + 6000 });
  });

  it('pause stops deciding and moves the deadline by the time paused', () => {
    const paused = commandRollout(subject, started(), { type: 'pause' }, T0 + 10_000).state;
    expect(observeRollout(subject, paused, observing(fleet), T0 + 100_000).state).toBe(paused);
    const resumed = commandRollout(subject, paused, { type: 'resume' }, T0 + 40_000).state;
    expect(resumed.waves[0]!.startedAtMs).toBe(T0 + 30_000);
    expect(observeRollout(subject, resumed, observing(fleet), T0 + 80_000).wakeAtMs).toBe(T0 + 90_000);
  });

  it('follows a policy updated while running: added waves wait their turn', () => {
    const two = { ...subject, policy: parseRolloutPolicy({ waves: subject.policy.waves.slice(0, 2) }) };
    const s = observeRollout(two, newRolloutState(two.policy, T0), observing(fleet), T0).state;
    expect(s.waves).toHaveLength(2);
    const t = observeRollout(subject, s, observing(fleet, allOk(s.waves[0]!.deviceIds)), T0 + 1000);
    expect(t.state.waves.map((w) => w.result)).toEqual(['passed', 'running', 'waiting']);
    expect(t.state.waves[1]!.deviceIds).toHaveLength(5);
  });

  it('abort keeps moved devices unless rollback is asked; final states refuse commands', () => {
    const s = started();
    const aborted = commandRollout(subject, s, { type: 'abort', rollback: false }, T0 + 1);
    expect(aborted.state.status).toBe('aborted');
    expect(aborted.steps).toEqual([{ action: 'halt', reason: 'aborted', rollback: false }]);
    const rolled = commandRollout(subject, aborted.state, { type: 'abort', rollback: true }, T0 + 2);
    expect(rolled.state.status).toBe('rolledBack');
    expect(rolled.steps[1]).toEqual({ action: 'rollback', deviceIds: s.waves[0]!.deviceIds });
    for (const [state, command] of [
      [rolled.state, { type: 'resume' }],
      [aborted.state, { type: 'pause' }],
      [aborted.state, { type: 'abort', rollback: false }],
      [s, { type: 'resume' }],
    ] as const) {
      let error: unknown;
      try {
        commandRollout(subject, state, command, T0);
      } catch (e) {
        error = e;
      }
      expect(isVergeError(error, 'ROLLOUT_TRANSITION_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/^cannot .* the rollout of 'web-v2': it is (rolledBack|aborted|running)$/);
    }
  });
});

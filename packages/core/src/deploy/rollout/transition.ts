import { VergeError } from '@verge/contracts';
import type { CheckedRolloutPolicy } from './policy.js';
import { evaluateGate, type DeviceRolloutReport, type MetricObservation } from './gate.js';
import { admittedDevices, type RolloutState, type RolloutWaveState } from './state.js';
import { nextWaveDevices } from './waves.js';

/**
 * What the controller does for a transition, in order. `snapshot` comes before the `admit` of the same devices:
 * their module twins' desired properties are stored before the deployment may reach them. `admit` and `rollback`
 * take effect when the new state is stored (the evaluator asks the rollout view who is admitted); they are listed
 * so the controller can log and publish them.
 */
export type RolloutStep =
  | { readonly action: 'snapshot'; readonly deviceIds: readonly string[] }
  | { readonly action: 'admit'; readonly wave: number; readonly deviceIds: readonly string[] }
  | { readonly action: 'halt'; readonly reason: string; readonly rollback: boolean }
  | { readonly action: 'rollback'; readonly deviceIds: readonly string[] }
  | { readonly action: 'complete' };

export interface RolloutTransition {
  readonly state: RolloutState;
  readonly steps: readonly RolloutStep[];
  /** Observe again at this time at the latest (a deadline or a bake time ends); absent when nothing is timed. */
  readonly wakeAtMs?: number;
}

/** The rollout a transition works on. */
export interface RolloutSubject {
  readonly deploymentId: string;
  readonly policy: CheckedRolloutPolicy;
}

/** What the controller saw: the devices the deployment targets now and their `$edgeAgent` reports. */
export interface RolloutObservation {
  readonly targeted: readonly string[];
  readonly reports: ReadonlyMap<string, DeviceRolloutReport>;
  /** The current wave's metric (when its gate has one). */
  readonly metric?: MetricObservation;
}

/** Operator commands (REST `POST /configurations/{id}/rollout/{pause|resume|abort}`). */
export type RolloutCommand = { readonly type: 'pause' } | { readonly type: 'resume' } | { readonly type: 'abort'; readonly rollback: boolean };

/** A new rollout: running, every wave waiting; the first observation admits the first wave. */
export function newRolloutState(policy: CheckedRolloutPolicy, nowMs: number): RolloutState {
  return { status: 'running', startedAtMs: nowMs, currentWave: 0, waves: policy.waves.map(() => ({ deviceIds: [], result: 'waiting' })) };
}

/**
 * Advances a running rollout with what the controller observed at `nowMs`: starts a waiting wave (its devices by
 * rollout order, snapshot then admit), admits late joiners into the last wave once it runs, evaluates the current
 * wave's gate, and on a pass moves to the next wave (or completes). A failed gate halts; with `autoRollback` and a
 * gate that was breached (not merely unevaluable) the rollout rolls back every admitted device. Any other status is
 * returned unchanged.
 */
export function observeRollout(subject: RolloutSubject, state: RolloutState, obs: RolloutObservation, nowMs: number): RolloutTransition {
  if (state.status !== 'running') return { state, steps: [] };
  const { policy, deploymentId } = subject;
  const steps: RolloutStep[] = [];
  const targetedSet = new Set(obs.targeted);
  // A policy updated with more waves than the state knows: the new ones wait. With fewer, the current wave is the last.
  const waves: RolloutWaveState[] = policy.waves.map((_, i) => state.waves[i] ?? { deviceIds: [], result: 'waiting' });
  waves.push(...state.waves.slice(policy.waves.length));
  let current = state.currentWave;
  for (;;) {
    const last = current >= policy.waves.length - 1;
    let wave = waves[current] ?? { deviceIds: [], result: 'waiting' };
    const admitted = new Set(waves.flatMap((w) => w.deviceIds));
    if (wave.result === 'waiting') {
      const ids = nextWaveDevices(policy, current, deploymentId, obs.targeted, admitted);
      if (ids.length === 0) {
        if (admitted.size > 0 && obs.targeted.every((id) => admitted.has(id))) {
          for (let i = current; i < waves.length; i++) waves[i] = { deviceIds: [], result: 'passed', endedAtMs: nowMs, reason: 'no device left to admit' };
          steps.push({ action: 'complete' });
          return { state: { ...state, status: 'completed', currentWave: waves.length - 1, waves }, steps };
        }
        const reason = `wave ${current + 1} cannot be evaluated: the deployment targets no device it has not reached yet`;
        waves[current] = { ...wave, result: 'failed', endedAtMs: nowMs, reason };
        steps.push({ action: 'halt', reason, rollback: false });
        return { state: { ...state, status: 'halted', currentWave: current, waves, haltReason: reason }, steps };
      }
      steps.push({ action: 'snapshot', deviceIds: ids }, { action: 'admit', wave: current, deviceIds: ids });
      wave = { deviceIds: ids, result: 'running', startedAtMs: nowMs };
    } else if (wave.result === 'running' && last) {
      const late = obs.targeted.filter((id) => !admitted.has(id));
      if (late.length > 0) {
        steps.push({ action: 'snapshot', deviceIds: late }, { action: 'admit', wave: current, deviceIds: late });
        wave = { ...wave, deviceIds: [...wave.deviceIds, ...late] };
      }
    }
    if (wave.result !== 'running') {
      // A decided wave as current: only a stored state from elsewhere has this; keep it as it is.
      return { state: { ...state, waves }, steps };
    }
    const startedAtMs = wave.startedAtMs ?? nowMs;
    const verdict = evaluateGate({
      wave: policy.waves[current] ?? policy.waves[policy.waves.length - 1]!,
      waveNumber: current + 1,
      startedAtMs,
      nowMs,
      devices: wave.deviceIds.filter((id) => targetedSet.has(id)).map((id) => obs.reports.get(id)),
      ...(obs.metric === undefined ? {} : { metric: obs.metric }),
    });
    if (verdict.verdict === 'pending') {
      waves[current] = { ...wave, startedAtMs, counts: verdict.counts };
      return { state: { ...state, currentWave: current, waves }, steps, wakeAtMs: verdict.wakeAtMs };
    }
    if (verdict.verdict === 'fail') {
      waves[current] = { ...wave, startedAtMs, result: 'failed', endedAtMs: nowMs, reason: verdict.reason, counts: verdict.counts };
      const rollback = verdict.evaluable && policy.autoRollback;
      steps.push({ action: 'halt', reason: verdict.reason, rollback });
      const next: RolloutState = { ...state, status: rollback ? 'rolledBack' : 'halted', currentWave: current, waves, haltReason: verdict.reason };
      if (rollback) steps.push({ action: 'rollback', deviceIds: [...admittedDevices(next)] });
      return { state: next, steps };
    }
    waves[current] = { ...wave, startedAtMs, result: 'passed', endedAtMs: nowMs, counts: verdict.counts };
    if (last) {
      steps.push({ action: 'complete' });
      return { state: { ...state, status: 'completed', currentWave: current, waves }, steps };
    }
    current += 1;
  }
}

/**
 * Applies an operator command. Pause: a running rollout stops admitting and deciding (its wave's deadline stops).
 * Resume: a paused rollout goes on where it was (the deadline moves by the time paused); a halted one restarts its
 * failed wave's gate from now (a wave that found no device looks for devices again). Abort: no device is admitted any
 * more; moved devices keep the deployment unless `rollback` (then they return to what they had). Throws
 * ROLLOUT_TRANSITION_INVALID when the status does not allow the command.
 */
export function commandRollout(subject: RolloutSubject, state: RolloutState, command: RolloutCommand, nowMs: number): RolloutTransition {
  const refuse = (what: string): never => {
    throw new VergeError('ROLLOUT_TRANSITION_INVALID', `cannot ${what} the rollout of '${subject.deploymentId}': it is ${state.status}`, {
      details: { configurationId: subject.deploymentId, status: state.status, command: command.type },
    });
  };
  const { pausedAtMs: _paused, ...rest } = state;
  switch (command.type) {
    case 'pause':
      if (state.status !== 'running') return refuse('pause');
      return { state: { ...state, status: 'paused', pausedAtMs: nowMs }, steps: [] };
    case 'resume': {
      if (state.status === 'paused') {
        const shift = Math.max(0, nowMs - (state.pausedAtMs ?? nowMs));
        const waves = state.waves.map((w, i): RolloutWaveState => (i === state.currentWave && w.result === 'running' && w.startedAtMs !== undefined ? { ...w, startedAtMs: w.startedAtMs + shift } : w));
        return { state: { ...rest, status: 'running', waves }, steps: [] };
      }
      if (state.status !== 'halted') return refuse('resume');
      const { haltReason: _reason, ...running } = rest;
      const waves = state.waves.map((w, i): RolloutWaveState => {
        if (i !== state.currentWave) return w;
        const { endedAtMs: _e, reason: _r, ...wave } = w;
        return w.deviceIds.length === 0 ? { deviceIds: [], result: 'waiting' } : { ...wave, result: 'running', startedAtMs: nowMs };
      });
      return { state: { ...running, status: 'running', waves }, steps: [] };
    }
    case 'abort': {
      const open = state.status === 'running' || state.status === 'paused' || state.status === 'halted';
      if (!open && !(state.status === 'aborted' && command.rollback)) return refuse(command.rollback ? 'abort and roll back' : 'abort');
      const reason = state.haltReason ?? (command.rollback ? 'aborted with rollback' : 'aborted');
      const next: RolloutState = { ...rest, status: command.rollback ? 'rolledBack' : 'aborted', haltReason: reason };
      return {
        state: next,
        steps: [{ action: 'halt', reason, rollback: command.rollback }, ...(command.rollback ? [{ action: 'rollback' as const, deviceIds: [...admittedDevices(next)] }] : [])],
      };
    }
  }
}

import { describe, expect, it } from 'vitest';
import { evaluateGate, type GateInput, type RolloutWave } from '@verge/core';
import { aReport } from './rollout-builders.js';

const T0 = 1_700_000_000_000;
const wave: RolloutWave = { count: 4, successRate: 0.75, deadlineSeconds: 60, bakeTimeSeconds: 10 };

function gate(o: Partial<GateInput>): ReturnType<typeof evaluateGate> {
  return evaluateGate({ wave, waveNumber: 2, startedAtMs: T0, nowMs: T0 + 20_000, devices: [], ...o });
}

describe('rollout gate', () => {
  it('passes once the success share has baked', () => {
    const r = gate({ devices: [aReport(), aReport(), aReport(), undefined] });
    expect(r).toEqual({ verdict: 'pass', counts: { considered: 4, succeeded: 3, failed: 0, pending: 1 } });
  });

  it('is pending until the bake time ends, waking when it does', () => {
    const running = { sim: { runtimeStatus: 'running', sinceMs: T0 + 15_000 } };
    const r = gate({ devices: [aReport(200, running), aReport(), aReport(), aReport(200, undefined, { applied: false })] });
    expect(r).toMatchObject({ verdict: 'pending', wakeAtMs: T0 + 25_000, counts: { succeeded: 3, pending: 1 } });
  });

  it('counts a device pending until the deployment is applied and the agent acted on the current version', () => {
    const r = gate({ devices: [aReport(200, undefined, { applied: false }), aReport(200, undefined, { lastDesiredVersion: 2 }), aReport(200, { sim: { runtimeStatus: 'unknown' } }), aReport()] });
    expect(r).toMatchObject({ verdict: 'pending', wakeAtMs: T0 + 60_000, counts: { succeeded: 1, failed: 0, pending: 3 } });
  });

  it('fails when the failing share goes above the failure rate (default 1 − successRate)', () => {
    const r = gate({ devices: [aReport(417), aReport(200, { sim: { runtimeStatus: 'backoff' } }), aReport(), aReport()] });
    expect(r).toMatchObject({ verdict: 'fail', evaluable: true, reason: 'wave 2: 2 of 4 devices failed (50%), above the failure rate 25%' });
    expect(gate({ wave: { ...wave, failureRate: 0.5 }, devices: [aReport(417), aReport(500), aReport(), undefined] })).toMatchObject({ verdict: 'pending' });
  });

  it('fails at the deadline when too few succeeded', () => {
    const r = gate({ nowMs: T0 + 60_000, devices: [aReport(), undefined, undefined, undefined] });
    expect(r).toMatchObject({ verdict: 'fail', evaluable: true, reason: 'wave 2: deadline of 60s passed with 1 of 4 devices succeeded (25%), needed 75%' });
  });

  it('cannot be evaluated without a device, or with a metric missing or not a number: halts without rollback', () => {
    expect(gate({ devices: [] })).toMatchObject({ verdict: 'fail', evaluable: false, reason: 'wave 2 cannot be evaluated: it has no device the deployment still targets' });
    const metricWave = { ...wave, metric: { name: 'errors', max: 0 } };
    const ok = [aReport(), aReport(), aReport(), aReport()];
    expect(gate({ wave: metricWave, devices: ok })).toMatchObject({ verdict: 'fail', evaluable: false, reason: "wave 2 cannot be evaluated: metric 'errors': no value" });
    expect(gate({ wave: metricWave, devices: ok, metric: { error: 'query failed: bad syntax' } })).toMatchObject({ reason: "wave 2 cannot be evaluated: metric 'errors': query failed: bad syntax" });
    expect(gate({ wave: metricWave, devices: ok, metric: { value: Number.NaN } })).toMatchObject({ evaluable: false, reason: "wave 2 cannot be evaluated: metric 'errors': value NaN is not a number" });
  });

  it('applies metric max (fail at once) and min (needed to pass)', () => {
    const ok = [aReport(), aReport(), aReport(), aReport()];
    expect(gate({ wave: { ...wave, metric: { name: 'errors', max: 0 } }, devices: ok, metric: { value: 1 } })).toMatchObject({ verdict: 'fail', evaluable: true, reason: "wave 2: metric 'errors' is 1, above its max 0" });
    expect(gate({ wave: { ...wave, metric: { name: 'errors', max: 0 } }, devices: ok, metric: { value: 0 } })).toMatchObject({ verdict: 'pass' });
    expect(gate({ wave: { ...wave, metric: { name: 'healthy', min: 4 } }, devices: ok, metric: { value: 3 } })).toMatchObject({ verdict: 'pending' });
    expect(gate({ wave: { ...wave, metric: { name: 'healthy', min: 4 } }, devices: ok, metric: { value: 3 }, nowMs: T0 + 61_000 })).toMatchObject({
      verdict: 'fail',
      reason: "wave 2: deadline of 60s passed with 4 of 4 devices succeeded (100%), needed 75%; metric 'healthy' is 3, below its min 4",
    });
  });
});

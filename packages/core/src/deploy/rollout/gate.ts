import type { RolloutWave } from '@verge/contracts';

/** What a device's `$edgeAgent` module twin says about the deployment (reference §2.1–2.3, §10.2). */
export interface DeviceRolloutReport {
  /** `configurations.{id}.status` is `Applied`: the deployment's content is in the device's desired properties. */
  readonly applied: boolean;
  /** `$edgeAgent` desired `$version`. */
  readonly desiredVersion?: number;
  /** `$edgeAgent` reported `lastDesiredVersion`: the desired version the agent last acted on. */
  readonly lastDesiredVersion?: number;
  /** `$edgeAgent` reported `lastDesiredStatus.code` (200 success; 400, 406, 412, 417, 500 failures). */
  readonly lastDesiredStatusCode?: number;
  /** Reported `modules.{id}` and `systemModules.{id}`: `runtimeStatus` and since when it runs (`lastStartTimeUtc`). */
  readonly modules: Readonly<Record<string, { readonly runtimeStatus: string; readonly sinceMs?: number }>>;
}

/** The outcome of a custom metric query for a wave: how many of its devices the query returns, or why it has none. */
export interface MetricObservation {
  readonly value?: number;
  readonly error?: string;
}

/** Everything a wave's gate reads. */
export interface GateInput {
  readonly wave: RolloutWave;
  /** 1-based number of the wave, for messages. */
  readonly waveNumber: number;
  /** When the wave started (shifted forward by pauses), epoch ms. */
  readonly startedAtMs: number;
  readonly nowMs: number;
  /** One entry per device of the wave still targeted by the deployment; `undefined` when it has no `$edgeAgent` twin yet. */
  readonly devices: readonly (DeviceRolloutReport | undefined)[];
  /** Present when the wave has a metric gate. */
  readonly metric?: MetricObservation;
}

export interface GateCounts {
  /** Devices of the wave the gate looked at. */
  readonly considered: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly pending: number;
}

/**
 * `pass`: the wave's gate holds. `fail`: the rollout halts; `evaluable: false` when the gate could not be evaluated
 * at all (no device, a missing or unparseable metric) rather than breached. `pending`: look again at `wakeAtMs` at
 * the latest (the deadline, or when a device's bake time ends) or when a twin changes.
 */
export type GateVerdict =
  | { readonly verdict: 'pass'; readonly counts: GateCounts }
  | { readonly verdict: 'fail'; readonly reason: string; readonly evaluable: boolean; readonly counts: GateCounts }
  | { readonly verdict: 'pending'; readonly wakeAtMs: number; readonly counts: GateCounts };

/** Module states that count as a failing device whatever the agent's status code says. */
const FAILING_RUNTIME_STATUSES: ReadonlySet<string> = new Set(['failed', 'backoff', 'unhealthy', 'dead']);
/** Module states of a device that has settled (a module the deployment asks to stop reports `stopped`). */
const SETTLED_RUNTIME_STATUSES: ReadonlySet<string> = new Set(['running', 'stopped']);

type DeviceClass = { readonly kind: 'succeeded'; readonly bakedAtMs: number } | { readonly kind: 'failed' } | { readonly kind: 'pending' };

/**
 * Whether a device has acted on the deployment: it is applied to the device and the agent reported on the current
 * desired version. Until then what its `$edgeAgent` reports is about what it ran before (a device a fix is rolled
 * out to still reports the failure being fixed), so neither the gate's counts nor its metric look at it.
 */
export function reportsCurrentVersion(report: DeviceRolloutReport | undefined): report is DeviceRolloutReport {
  return report !== undefined && report.applied && report.desiredVersion !== undefined && report.lastDesiredVersion === report.desiredVersion;
}

/**
 * A device's standing in a wave: pending until the deployment is applied and the agent acted on the current
 * desired version; failed on a non-200 status for that version or a module failing; succeeded once every module
 * runs. A succeeded device has baked once its modules ran `bakeTimeSeconds` since the later of the wave start and
 * the last module start.
 */
export function classifyDevice(report: DeviceRolloutReport | undefined, startedAtMs: number, bakeMs: number): DeviceClass {
  if (!reportsCurrentVersion(report)) return { kind: 'pending' };
  const modules = Object.values(report.modules);
  if (report.lastDesiredStatusCode !== undefined && report.lastDesiredStatusCode !== 200) return { kind: 'failed' };
  if (modules.some((m) => FAILING_RUNTIME_STATUSES.has(m.runtimeStatus))) return { kind: 'failed' };
  if (report.lastDesiredStatusCode !== 200 || !modules.every((m) => SETTLED_RUNTIME_STATUSES.has(m.runtimeStatus))) return { kind: 'pending' };
  const since = Math.max(startedAtMs, ...modules.map((m) => (m.runtimeStatus === 'running' && m.sinceMs !== undefined && Number.isFinite(m.sinceMs) ? m.sinceMs : startedAtMs)));
  return { kind: 'succeeded', bakedAtMs: since + bakeMs };
}

/**
 * Evaluates a wave's gate. In order: no device → fail (not evaluable); failing share above `failureRate` (default
 * `1 − successRate`) → fail; metric missing or not a number → fail (not evaluable); metric above `max` → fail;
 * baked share at least `successRate` and metric at least `min` → pass; deadline reached → fail; else pending.
 */
export function evaluateGate(input: GateInput): GateVerdict {
  const { wave, waveNumber, nowMs, startedAtMs } = input;
  const n = input.devices.length;
  const bakeMs = (wave.bakeTimeSeconds ?? 0) * 1000;
  const classes = input.devices.map((d) => classifyDevice(d, startedAtMs, bakeMs));
  const succeeded = classes.filter((c) => c.kind === 'succeeded');
  const failed = classes.filter((c) => c.kind === 'failed').length;
  const counts: GateCounts = { considered: n, succeeded: succeeded.length, failed, pending: n - succeeded.length - failed };
  const label = `wave ${waveNumber}`;
  if (n === 0) return { verdict: 'fail', evaluable: false, reason: `${label} cannot be evaluated: it has no device the deployment still targets`, counts };

  const failureRate = wave.failureRate ?? 1 - wave.successRate;
  if (failed / n > failureRate + 1e-9) {
    return { verdict: 'fail', evaluable: true, reason: `${label}: ${failed} of ${n} devices failed (${pct(failed / n)}), above the failure rate ${pct(failureRate)}`, counts };
  }

  let metricHolds = true;
  if (wave.metric !== undefined) {
    const m = input.metric;
    const value = m?.value;
    if (value === undefined || typeof value !== 'number' || !Number.isFinite(value)) {
      const why = m?.error ?? (value === undefined ? 'no value' : `value ${String(value)} is not a number`);
      return { verdict: 'fail', evaluable: false, reason: `${label} cannot be evaluated: metric '${wave.metric.name}': ${why}`, counts };
    }
    if (wave.metric.max !== undefined && value > wave.metric.max) {
      return { verdict: 'fail', evaluable: true, reason: `${label}: metric '${wave.metric.name}' is ${value}, above its max ${wave.metric.max}`, counts };
    }
    if (wave.metric.min !== undefined && value < wave.metric.min) metricHolds = false;
  }

  const baked = succeeded.filter((c) => c.kind === 'succeeded' && c.bakedAtMs <= nowMs).length;
  if (baked >= wave.successRate * n - 1e-9 && metricHolds) return { verdict: 'pass', counts };

  const deadlineMs = startedAtMs + wave.deadlineSeconds * 1000;
  if (nowMs >= deadlineMs) {
    const metricText = metricHolds || wave.metric === undefined ? '' : `; metric '${wave.metric.name}' is ${String(input.metric?.value)}, below its min ${String(wave.metric.min)}`;
    return {
      verdict: 'fail',
      evaluable: true,
      reason: `${label}: deadline of ${wave.deadlineSeconds}s passed with ${baked} of ${n} devices succeeded (${pct(baked / n)}), needed ${pct(wave.successRate)}${metricText}`,
      counts,
    };
  }
  const bakeEnds = succeeded.flatMap((c) => (c.kind === 'succeeded' && c.bakedAtMs > nowMs ? [c.bakedAtMs] : []));
  return { verdict: 'pending', wakeAtMs: Math.min(deadlineMs, ...bakeEnds), counts };
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

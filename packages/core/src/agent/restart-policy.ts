import { RESTART_POLICIES, type RestartPolicy } from '@verge/contracts';
import { backoffDelayMs } from '../backoff/index.js';
import type { ObservedModule, ObservedModuleState } from './observed-state.js';
import type { PlanPolicy } from './policy.js';

/** `runtimeStatus` values (EA `ModuleStatus`, reference azure-iot-edge.md §2.3). */
export const RUNTIME_STATUSES = ['unknown', 'backoff', 'running', 'unhealthy', 'stopped', 'failed', 'dead'] as const;

/** One of {@link RUNTIME_STATUSES}. */
export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

/**
 * Runtime state → status (edged `runtime_state`, reference §2.3): `running` → running; `created`, `paused`,
 * `restarting` → stopped; `exited`, `removing` → stopped on exit code 0, failed otherwise; `dead` → dead;
 * anything else → unknown.
 */
export function statusFromState(state: ObservedModuleState, exitCode: number | undefined): RuntimeStatus {
  switch (state) {
    case 'running':
      return 'running';
    case 'created':
    case 'paused':
    case 'restarting':
      return 'stopped';
    case 'exited':
    case 'removing':
      return (exitCode ?? 0) === 0 ? 'stopped' : 'failed';
    case 'dead':
      return 'dead';
    case 'unknown':
      return 'unknown';
    default: {
      const never: never = state;
      return never;
    }
  }
}

/** The observed module's status before the restart policy is applied. */
export function observedStatus(module: ObservedModule): RuntimeStatus {
  return statusFromState(module.state, module.exitCode);
}

/** Rank of a restart policy: never 0 < on-failure 1 < on-unhealthy 2 < always 3 (reference §1.3). */
export function restartPolicyRank(policy: RestartPolicy): number {
  return RESTART_POLICIES.indexOf(policy);
}

/**
 * EA `RestartPolicyManager.ComputeModuleStatusFromRestartPolicy`, exactly (reference §2.5) for a module desired
 * `running`: `dead` and `unknown` stay; a module not running whose policy is above `never` and is `always` or whose
 * status is failed/unhealthy becomes `failed` once `restartCount >= maxRestartCount`, else `backoff`; anything
 * else is unchanged (so `never` leaves stopped/failed, and `on-failure` leaves a clean exit stopped).
 * `on-unhealthy` therefore acts as `on-failure`: no health probe ever reports `unhealthy`.
 */
export function statusFromRestartPolicy(status: RuntimeStatus, policy: RestartPolicy, restartCount: number, maxRestartCount: number): RuntimeStatus {
  if (status === 'dead' || status === 'unknown' || status === 'running') return status;
  const restartable = policy === 'always' || status === 'failed' || status === 'unhealthy';
  if (restartPolicyRank(policy) <= restartPolicyRank('never') || !restartable) return status;
  return restartCount >= maxRestartCount ? 'failed' : 'backoff';
}

/**
 * Cool-off after `restartCount` restarts: `min(unit × 2^restartCount, max)` seconds, in ms → 10, 20, 40, 80, 160,
 * 300, 300… s (EA `RestartPolicyManager`, no jitter): the backoff of retry `restartCount + 1`.
 */
export function coolOffMs(restartCount: number, policy: Pick<PlanPolicy, 'coolOffUnitSec' | 'maxCoolOffSec'>): number {
  return backoffDelayMs(restartCount + 1, { baseMs: policy.coolOffUnitSec * 1000, maxMs: policy.maxCoolOffSec * 1000, jitter: 0 });
}

/** When a module in `backoff` may be restarted. */
export type RestartTiming = { readonly due: true } | { readonly due: false; readonly untilMs: number };

/**
 * EA `RestartPolicyManager.ShouldRestart`: restart when `now − lastExit > coolOff`, or when the exit time lies in
 * the future (clock skew), or when the exit time is unknown. Otherwise `untilMs` is the first ms at which it is due.
 * EA restarts at elapsed ≤ 0; Verge only at < 0: EA polls every 5 s, so it never sees 0 but on skew, while Verge's
 * loop wakes on the exit event itself, in the same millisecond, and must then wait the cool-off.
 */
export function restartTiming(lastExitAtMs: number | undefined, restartCount: number, nowMs: number, policy: Pick<PlanPolicy, 'coolOffUnitSec' | 'maxCoolOffSec'>): RestartTiming {
  if (lastExitAtMs === undefined) return { due: true };
  const elapsed = nowMs - lastExitAtMs;
  const coolOff = coolOffMs(restartCount, policy);
  if (elapsed < 0 || elapsed > coolOff) return { due: true };
  return { due: false, untilMs: lastExitAtMs + coolOff + 1 };
}

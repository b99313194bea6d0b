import { STEP_BACKOFF, type BackoffPolicy } from '../backoff/index.js';

/** The constants of the planner (reference azure-iot-edge.md §2.5, EA `appsettings_agent.json`). */
export interface PlanPolicy {
  /** `MaxRestartCount`: restarts in a generation before a module is left `failed`. */
  readonly maxRestartCount: number;
  /** `CoolOffTimeUnitInSeconds`: the cool-off after restart n is `min(unit × 2^n, maxCoolOffSec)` seconds. */
  readonly coolOffUnitSec: number;
  /** `MaxCoolOffPeriodSecs`. */
  readonly maxCoolOffSec: number;
  /** `IntensiveCareTimeInMinutes` in ms: a module running this long gets its restart counters cleared. */
  readonly intensiveCareMs: number;
  /** Grace period of a stop before the runtime kills the module (Docker's default is 10 s). */
  readonly stopTimeoutMs: number;
  /** Exponential backoff of a failed step, per step key (STYLE §2.3). */
  readonly stepBackoff: BackoffPolicy;
}

/** EA's defaults (reference §2.5) and a 1 s .. 5 min step backoff with ±20% jitter (STYLE §2.3). */
export const DEFAULT_PLAN_POLICY: PlanPolicy = {
  maxRestartCount: 20,
  coolOffUnitSec: 10,
  maxCoolOffSec: 300,
  intensiveCareMs: 10 * 60_000,
  stopTimeoutMs: 10_000,
  stepBackoff: STEP_BACKOFF,
};

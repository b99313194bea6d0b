import { parseRolloutPolicy } from '@verge/core';

/**
 * The one check of a deployment's `rollout` field (creation, update and dry-run all call it through
 * `checkConfigurationInput`): null when absent, else the policy as stored (defaults filled in). The policy must match
 * `RolloutPolicySchema` (contracts) and every metric gate must name one of the deployment's `metrics.queries`;
 * otherwise throws ROLLOUT_POLICY_INVALID naming every faulty path.
 */
export function validateRollout(rollout: unknown, metricNames: readonly string[]): Readonly<Record<string, unknown>> | null {
  if (rollout === undefined || rollout === null) return null;
  return parseRolloutPolicy(rollout, metricNames);
}

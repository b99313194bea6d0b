import { RolloutPolicySchema, VergeError, type RolloutPolicy } from '@verge/contracts';
import { pathOf } from '../../manifest/faults.js';

/** A validated rollout policy with its defaults filled in. */
export type CheckedRolloutPolicy = RolloutPolicy & { readonly autoRollback: boolean };

/**
 * Validates a deployment's `rollout` field (the wire JSON). `metricNames`: the deployment's custom metrics
 * (`metrics.queries` keys); a metric gate must name one of them. Throws ROLLOUT_POLICY_INVALID naming every
 * faulty path (`rollout.waves[1].successRate: must be from 0 to 1`).
 */
export function parseRolloutPolicy(value: unknown, metricNames: readonly string[] = []): CheckedRolloutPolicy {
  const result = RolloutPolicySchema.safeParse(value);
  if (!result.success) {
    const faults = result.error.issues.map((i) => ({ path: pathOf('rollout', ...i.path), message: i.message }));
    throw policyError(faults);
  }
  const policy = result.data;
  const known = new Set(metricNames);
  const faults = policy.waves.flatMap((w, i) =>
    w.metric === undefined || known.has(w.metric.name)
      ? []
      : [{ path: `rollout.waves[${i}].metric.name`, message: `'${w.metric.name}' is not one of the deployment's metrics.queries (${metricNames.length === 0 ? 'none defined' : metricNames.join(', ')})` }],
  );
  if (faults.length > 0) throw policyError(faults);
  return { ...policy, autoRollback: policy.autoRollback ?? true };
}

function policyError(faults: readonly { path: string; message: string }[]): VergeError {
  const text = faults.map((f) => `${f.path}: ${f.message}`).join('; ');
  return new VergeError('ROLLOUT_POLICY_INVALID', `invalid rollout policy: ${text}`, { details: { path: faults[0]?.path, faults } });
}

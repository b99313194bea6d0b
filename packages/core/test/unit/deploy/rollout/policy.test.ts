import { describe, expect, it } from 'vitest';
import { parseRolloutPolicy } from '@verge/core';
import { isVergeError } from '@verge/contracts';

function fault(value: unknown, metrics: string[] = []): string {
  try {
    parseRolloutPolicy(value, metrics);
  } catch (e) {
    if (isVergeError(e, 'ROLLOUT_POLICY_INVALID')) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

describe('rollout policy', () => {
  it('accepts waves by percent and count and defaults autoRollback to true', () => {
    const p = parseRolloutPolicy({ waves: [{ percent: 10, successRate: 0.9, deadlineSeconds: 60 }, { count: 5, successRate: 1, deadlineSeconds: 60, bakeTimeSeconds: 30, failureRate: 0.2 }] });
    expect(p.autoRollback).toBe(true);
    expect(p.waves).toHaveLength(2);
    expect(parseRolloutPolicy({ waves: [{ count: 1, successRate: 1, deadlineSeconds: 1 }], autoRollback: false }).autoRollback).toBe(false);
  });

  it.each([
    [{}, 'rollout.waves: '],
    [{ waves: [] }, 'rollout.waves: needs at least one wave'],
    [{ waves: [{ successRate: 1, deadlineSeconds: 5 }] }, 'rollout.waves[0]: needs exactly one of percent or count'],
    [{ waves: [{ percent: 10, count: 2, successRate: 1, deadlineSeconds: 5 }] }, 'rollout.waves[0]: needs exactly one of percent or count'],
    [{ waves: [{ percent: 0, successRate: 1, deadlineSeconds: 5 }] }, 'rollout.waves[0].percent: must be above 0'],
    [{ waves: [{ percent: 101, successRate: 1, deadlineSeconds: 5 }] }, 'rollout.waves[0].percent: must be at most 100'],
    [{ waves: [{ count: 1.5, successRate: 1, deadlineSeconds: 5 }] }, 'rollout.waves[0].count: must be an integer'],
    [{ waves: [{ count: 1, successRate: 1.2, deadlineSeconds: 5 }] }, 'rollout.waves[0].successRate: must be from 0 to 1'],
    [{ waves: [{ count: 1, successRate: 1, deadlineSeconds: 0 }] }, 'rollout.waves[0].deadlineSeconds: must be at least 1 second'],
    [{ waves: [{ count: 1, successRate: 1, deadlineSeconds: 5, failureRate: -1 }] }, 'rollout.waves[0].failureRate: must be from 0 to 1'],
    [{ waves: [{ count: 1, successRate: 1, deadlineSeconds: 5, metric: { name: 'm' } }] }, 'rollout.waves[0].metric: needs max or min'],
    [{ waves: [{ count: 1, successRate: 1, deadlineSeconds: 5, extra: 1 }] }, 'rollout.waves[0]: Unrecognized key: "extra"'],
    [{ waves: [{ count: 1, successRate: 1, deadlineSeconds: 5 }], autoRollback: 'yes' }, 'rollout.autoRollback: '],
  ])('refuses %j naming the path', (value, text) => {
    expect(fault(value)).toContain(text);
  });

  it('refuses a metric gate naming a metric the deployment does not define', () => {
    expect(fault({ waves: [{ count: 1, successRate: 1, deadlineSeconds: 5, metric: { name: 'errors', max: 0 } }] }, ['healthy'])).toContain(
      "rollout.waves[0].metric.name: 'errors' is not one of the deployment's metrics.queries (healthy)",
    );
    expect(parseRolloutPolicy({ waves: [{ count: 1, successRate: 1, deadlineSeconds: 5, metric: { name: 'errors', max: 0 } }] }, ['errors']).waves[0]?.metric?.name).toBe('errors');
  });
});

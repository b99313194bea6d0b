import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assignWaves, nextWaveDevices, parseRolloutPolicy, rolloutOrder, waveSize } from '@verge/core';
import { deviceIds } from './rollout-builders.js';

const policy = parseRolloutPolicy({
  waves: [
    { percent: 10, successRate: 1, deadlineSeconds: 60 },
    { count: 3, successRate: 1, deadlineSeconds: 60 },
    { percent: 50, successRate: 1, deadlineSeconds: 60 },
    { percent: 1, successRate: 1, deadlineSeconds: 60 },
  ],
});

describe('wave assignment', () => {
  it('sizes waves by percent (rounded up, at least one) or count; the last takes the rest', () => {
    expect(assignWaves(policy, 'd', deviceIds(20)).map((w) => w.length)).toEqual([2, 3, 10, 5]);
    expect(assignWaves(policy, 'd', deviceIds(3)).map((w) => w.length)).toEqual([1, 2, 0, 0]);
    expect(waveSize({ percent: 10, successRate: 1, deadlineSeconds: 1 }, 1)).toBe(1);
    expect(waveSize({ percent: 10, successRate: 1, deadlineSeconds: 1 }, 0)).toBe(0);
  });

  it('orders by a stable hash of deployment and device id, not by id or input order', () => {
    const ids = deviceIds(50);
    const a = rolloutOrder('dep', ids);
    expect(rolloutOrder('dep', [...ids].reverse())).toEqual(a);
    expect(a).not.toEqual(ids);
    expect(rolloutOrder('other', ids)).not.toEqual(a);
    expect(a.slice(0, 3)).toMatchSnapshot();
  });

  it('a wave skips devices already admitted (late joiners wait for the next wave)', () => {
    const first = nextWaveDevices(policy, 0, 'd', deviceIds(20), new Set());
    const second = nextWaveDevices(policy, 1, 'd', [...deviceIds(20), 'late'], new Set(first));
    expect(second.some((id) => first.includes(id))).toBe(false);
    expect(second).toHaveLength(3);
  });

  it('property: waves partition the fleet deterministically, every non-last wave within its size', () => {
    const wave = fc.oneof(
      fc.record({ percent: fc.integer({ min: 1, max: 100 }), successRate: fc.constant(1), deadlineSeconds: fc.constant(1) }),
      fc.record({ count: fc.integer({ min: 1, max: 20 }), successRate: fc.constant(1), deadlineSeconds: fc.constant(1) }),
    );
    fc.assert(
      fc.property(fc.array(wave, { minLength: 1, maxLength: 6 }), fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 60 }), fc.string(), (waves, ids, dep) => {
        const p = parseRolloutPolicy({ waves });
        const assigned = assignWaves(p, dep, ids);
        const flat = assigned.flat();
        expect(new Set(flat).size).toBe(flat.length);
        expect([...flat].sort()).toEqual([...ids].sort());
        expect(assignWaves(p, dep, [...ids].reverse())).toEqual(assigned);
        let remaining = ids.length;
        assigned.slice(0, -1).forEach((w, i) => {
          const size = Math.min(remaining, waveSize(p.waves[i]!, ids.length));
          expect(w.length).toBe(size);
          remaining -= w.length;
        });
      }),
    );
  });
});

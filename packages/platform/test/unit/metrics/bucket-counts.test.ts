import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabelledBuckets, lazyExposition } from '../../../src/index.js';
import { scrapedHistogram } from '../../../src/metrics/prometheus.js';

describe('LabelledBuckets and scrapedHistogram', () => {
  it('exposes cumulative buckets, +Inf, sum and count per label set', async () => {
    const buckets = new LabelledBuckets<'route'>([0.1, 1]);
    buckets.observe({ route: '/a' }, 0.05);
    buckets.observe({ route: '/a' }, 0.5);
    buckets.observe({ route: '/a' }, 5);
    buckets.observe({ route: '/b' }, 0.01);
    const registry = new Registry();
    scrapedHistogram(registry, 'x_seconds', 'help', buckets);
    const lines = (await registry.metrics()).split('\n');
    expect(lines).toContain('# TYPE x_seconds histogram');
    expect(lines).toContain('x_seconds_bucket{route="/a",le="0.1"} 1');
    expect(lines).toContain('x_seconds_bucket{route="/a",le="1"} 2');
    expect(lines).toContain('x_seconds_bucket{route="/a",le="+Inf"} 3');
    expect(lines).toContain('x_seconds_sum{route="/a"} 5.55');
    expect(lines).toContain('x_seconds_count{route="/b"} 1');
  });

  it('refuses bounds that do not ascend', () => {
    expect(() => new LabelledBuckets([1, 0.5])).toThrow('bucket bounds must ascend: 1, 0.5');
  });
});

describe('lazyExposition', () => {
  it('loads the registry on the first collect only, and again after a failed load', async () => {
    let loads = 0;
    const collect = lazyExposition(async () => {
      loads += 1;
      if (loads === 1) throw new Error('not yet');
      return { contentType: 'text/plain', metrics: async () => 'm 1\n' };
    });
    await expect(collect()).rejects.toThrow('not yet');
    expect(await collect()).toEqual({ contentType: 'text/plain', text: 'm 1\n' });
    await collect();
    expect(loads).toBe(2);
  });
});

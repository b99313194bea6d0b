import { Counter, Gauge, type Registry } from 'prom-client';
import type { BucketCounts } from './bucket-counts.js';

// Metrics whose values live in the process's own plain counters and are read by prom-client only when scraped: the
// hot path bumps numbers (no prom-client call, no label object per message). Shared by the edge runtime
// (`edgehub_*`, `edgeAgent_*`) and the cloud (`verge_cloud_*`). Imported through `@verge/platform/prometheus`
// only, so that a process loads prom-client on its first scrape, not at start.

/** One sample of a metric read at scrape time: its label values and value. */
export type Sample<L extends string> = readonly [labels: Readonly<Record<L, string>>, value: number];

type Read<T> = () => Iterable<T> | Promise<Iterable<T>>;

/** A prom-client counter whose cumulative totals are read when scraped. */
export function scrapedCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], read: Read<Sample<L>>): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const samples = await read();
      this.reset();
      for (const [labels, value] of samples) this.inc(labels as never, value);
    },
  });
}

/** A prom-client gauge whose values are read when scraped. */
export function scrapedGauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], read: Read<Sample<L>>): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const samples = await read();
      this.reset();
      for (const [labels, value] of samples) this.set(labels as never, value);
    },
  });
}

interface CustomValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/** Registers a metric whose samples `values` computes when scraped (prom-client's custom-metric shape). */
function registerCustom(registry: Registry, name: string, help: string, type: 'summary' | 'histogram', values: () => CustomValue[]): void {
  registry.registerMetric({
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}

/**
 * A Prometheus summary with `_sum` and `_count` only (no quantiles: computing them would cost a sketch update per
 * message), read from cumulative totals when scraped.
 */
export function scrapedSummary<L extends string>(registry: Registry, name: string, help: string, read: () => Iterable<readonly [labels: Readonly<Record<L, string>>, sum: number, count: number]>): void {
  registerCustom(registry, name, help, 'summary', () => {
    const values: CustomValue[] = [];
    for (const [labels, sum, count] of read()) values.push({ labels: { ...labels }, value: sum, metricName: `${name}_sum` }, { labels: { ...labels }, value: count, metricName: `${name}_count` });
    return values;
  });
}

/** A Prometheus histogram read when scraped from `BucketCounts` (cumulative `_bucket{le}`, `_sum`, `_count`). */
export function scrapedHistogram<L extends string>(registry: Registry, name: string, help: string, counts: BucketCounts<L>): void {
  registerCustom(registry, name, help, 'histogram', () => {
    const values: CustomValue[] = [];
    for (const series of counts.series()) {
      let cumulative = 0;
      counts.bounds.forEach((le, i) => {
        cumulative += series.buckets[i] ?? 0;
        values.push({ labels: { ...series.labels, le: String(le) }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${name}_bucket` });
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${name}_sum` }, { labels: { ...series.labels }, value: series.count, metricName: `${name}_count` });
    }
    return values;
  });
}

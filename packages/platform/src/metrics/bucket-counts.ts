/** Histogram bucket counts kept as plain numbers (no prom-client), exposed by `scrapedHistogram` (`@verge/platform/prometheus`). */
export interface BucketCounts<L extends string> {
  /** Upper bounds, ascending (`+Inf` is implied). */
  readonly bounds: readonly number[];
  series(): Iterable<{ readonly labels: Readonly<Record<L, string>>; readonly buckets: readonly number[]; readonly sum: number; readonly count: number }>;
}

/** prom-client's default bucket bounds, seconds (5 ms … 10 s). */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  readonly buckets: number[];
  sum: number;
  count: number;
}

/**
 * Observations of a histogram counted in plain numbers (one array increment each), exposed when scraped by
 * `scrapedHistogram` (`@verge/platform/prometheus`). The labels of a series must come from a bounded set (route
 * templates, status classes), never from ids.
 */
export class LabelledBuckets<L extends string> implements BucketCounts<L> {
  private readonly byKey = new Map<string, Series<L>>();

  constructor(readonly bounds: readonly number[] = DEFAULT_LATENCY_BUCKETS) {
    for (let i = 1; i < bounds.length; i += 1) if (!((bounds[i] ?? 0) > (bounds[i - 1] ?? 0))) throw new RangeError(`bucket bounds must ascend: ${bounds.join(', ')}`);
  }

  observe(labels: Readonly<Record<L, string>>, value: number): void {
    const key = JSON.stringify(labels);
    let s = this.byKey.get(key);
    if (s === undefined) {
      s = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.byKey.set(key, s);
    }
    const i = this.bounds.findIndex((le) => value <= le);
    if (i >= 0) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    s.sum += value;
    s.count += 1;
  }

  series(): Iterable<Series<L>> {
    return this.byKey.values();
  }
}

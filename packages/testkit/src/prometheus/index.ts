import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** One sample of a parsed metric family (prom2json's shape). */
export interface MetricSample {
  readonly labels?: Record<string, string>;
  readonly value?: string;
  readonly count?: string;
  readonly sum?: string;
  readonly buckets?: Record<string, string>;
  readonly quantiles?: Record<string, string>;
}

/** A parsed metric family (prom2json's shape). */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'HISTOGRAM' | 'UNTYPED';
  readonly metrics: readonly MetricSample[];
}

/**
 * Parses Prometheus text with a real parser (parse-prometheus-text-format, ported from the Python client's), which
 * throws on malformed exposition.
 */
export function parseMetrics(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  for (const f of parsePrometheusTextFormat(text) as MetricFamily[]) {
    // The parser starts a new family whenever the sample name changes (interleaved untyped series): merge them.
    const seen = families.get(f.name);
    families.set(f.name, seen === undefined ? f : { ...seen, metrics: [...seen.metrics, ...f.metrics] });
  }
  return families;
}

/** The samples of `name` whose labels include `labels`. */
export function samplesOf(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): MetricFamily['metrics'] {
  const family = families.get(name);
  if (family === undefined) throw new Error(`metric ${name} is missing; present: ${[...families.keys()].join(', ')}`);
  return family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

/** The value of the one sample of `name` with `labels` (a counter or gauge), as a number; throws when absent. */
export function valueOf(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const samples = samplesOf(families, name, labels);
  if (samples.length !== 1) throw new Error(`expected one sample of ${name} with ${JSON.stringify(labels)}, found ${samples.length}`);
  return Number(samples[0]?.value);
}

/**
 * Parses like `parseMetrics`, but with each histogram read as its `_bucket`, `_sum` and `_count` series (untyped
 * families, labels intact): parse-prometheus-text-format folds a histogram into one sample and drops its labels,
 * which loses every labelled histogram (a route's latency, say). Read them with `histogramOf`.
 */
export function parseMetricSeries(text: string): Map<string, MetricFamily> {
  return parseMetrics(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
}

/** One labelled histogram series: cumulative bucket counts by `le`, sum and count. */
export interface HistogramSeries {
  readonly buckets: ReadonlyMap<string, number>;
  readonly sum: number;
  readonly count: number;
}

/** The histogram series of `name` whose labels include `labels` (families from `parseMetricSeries`); throws unless exactly one matches. */
export function histogramOf(series: Map<string, MetricFamily>, name: string, labels: Record<string, string>): HistogramSeries {
  const count = samplesOf(series, `${name}_count`, labels);
  if (count.length !== 1) throw new Error(`expected one ${name} series with ${JSON.stringify(labels)}, found ${count.length}`);
  const buckets = new Map(samplesOf(series, `${name}_bucket`, labels).map((m) => [m.labels?.['le'] ?? '', Number(m.value)] as const));
  return { buckets, sum: valueOf(series, `${name}_sum`, labels), count: Number(count[0]?.value) };
}

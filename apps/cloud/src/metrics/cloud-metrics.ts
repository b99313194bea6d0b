import { lazyExposition, type MetricsExposition } from '@verge/platform';
import { CloudMetricCounts } from './cloud-metric-counts.js';
import type { FleetGauges } from './fleet-gauges.js';

/** What the cloud's metrics are read from. */
export interface CloudMetricsSources {
  readonly hostName: string;
  /** This instance among those sharing a store and a bus (the `cloud_instance` label). */
  readonly instanceId: string;
  readonly fleet: FleetGauges;
}

/** The cloud's metrics: the counts its hooks feed, and the exposition a scrape asks for. */
export interface CloudMetrics {
  readonly counts: CloudMetricCounts;
  /** Collects every metric now (loads prom-client on the first call). */
  collect(): Promise<MetricsExposition>;
}

/**
 * The `verge_cloud_*` metrics (docs/metrics.md), every series labelled `iothub` and `cloud_instance`. The cloud's
 * hooks only bump plain numbers; prom-client is loaded by the first scrape, as the edge runtime does.
 */
export function createCloudMetrics(s: CloudMetricsSources): CloudMetrics {
  const counts = new CloudMetricCounts();
  return {
    counts,
    collect: lazyExposition(() =>
      import('./cloud-prom-registry.js').then(({ createCloudPromRegistry }) =>
        createCloudPromRegistry({ defaultLabels: { iothub: s.hostName, cloud_instance: s.instanceId }, counts, fleet: s.fleet }),
      ),
    ),
  };
}

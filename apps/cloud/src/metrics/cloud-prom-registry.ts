import { collectDefaultMetrics, Registry } from 'prom-client';
import { RolloutStatusSchema, JobStatusSchema } from '@verge/contracts';
import { scrapedCounter, scrapedGauge, scrapedHistogram } from '@verge/platform/prometheus';
import type { CloudMetricCounts, ClientKind } from './cloud-metric-counts.js';
import type { FleetGauges } from './fleet-gauges.js';

/** What the registry reads, and the labels every series carries. */
export interface CloudPromRegistrySources {
  readonly defaultLabels: Readonly<Record<'iothub' | 'cloud_instance', string>>;
  readonly counts: CloudMetricCounts;
  readonly fleet: FleetGauges;
}

const KINDS: readonly ClientKind[] = ['device', 'module'];

/**
 * One prom-client registry per cloud (not the global one: tests run several clouds in one process) with the
 * `verge_cloud_*` metrics of docs/metrics.md and prom-client's default process metrics (`process_*`, `nodejs_*`).
 * Loaded on the first scrape (cloud-metrics.ts).
 */
export function createCloudPromRegistry(s: CloudPromRegistrySources): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ ...s.defaultLabels });
  collectDefaultMetrics({ register: registry });
  const c = s.counts;
  const byKind = (n: (k: ClientKind) => number) => KINDS.map((kind) => [{ kind }, n(kind)] as const);
  scrapedGauge(registry, 'verge_cloud_connected_clients', 'Devices and modules connected to this instance (MQTT, MQTT over WebSockets)', ['kind'], () => byKind((k) => c.connected(k)));
  scrapedCounter(registry, 'verge_cloud_connections_opened_total', 'Device and module connections this instance accepted', ['kind'], () => byKind((k) => c.connectionsOpened[k]));
  scrapedCounter(registry, 'verge_cloud_connections_closed_total', 'Device and module connections that ended on this instance', ['kind'], () => byKind((k) => c.connectionsClosed[k]));
  scrapedCounter(registry, 'verge_cloud_telemetry_messages_received_total', 'Device-to-cloud messages stored by this instance', [], () => [[{}, c.telemetryMessages]] as const);
  scrapedCounter(registry, 'verge_cloud_telemetry_bytes_received_total', 'Bytes of the device-to-cloud messages stored by this instance (body, property names and values)', [], () => [[{}, c.telemetryBytes]] as const);
  scrapedCounter(registry, 'verge_cloud_c2d_messages_enqueued_total', 'Cloud-to-device messages queued through this instance', [], () => [[{}, c.c2dEnqueued]] as const);
  scrapedCounter(registry, 'verge_cloud_direct_methods_total', 'Direct methods invoked through the service API of this instance, by result', ['result'], () =>
    (['answered', 'not_connected', 'timeout', 'rejected', 'error'] as const).map((result) => [{ result }, c.methods.get(result) ?? 0] as const),
  );
  scrapedCounter(registry, 'verge_cloud_twin_updates_total', 'Twin changes written by this instance, by section (a change of several sections counts in each)', ['section'], () =>
    (['desired', 'reported', 'tags'] as const).map((section) => [{ section }, c.twinUpdates[section]] as const),
  );
  scrapedCounter(registry, 'verge_cloud_deployment_evaluations_total', 'Deployment evaluation passes run by this instance (the holder of the deployments lease)', [], () => [[{}, c.evaluations]] as const);
  scrapedCounter(registry, 'verge_cloud_deployment_evaluated_devices_total', 'Edge devices evaluated by those passes', [], () => [[{}, c.evaluatedDevices]] as const);
  scrapedHistogram(registry, 'verge_cloud_deployment_evaluation_duration_seconds', 'Duration of deployment evaluation passes (scope all: every edge device; devices: the devices marked)', c.evaluationSeconds);
  scrapedHistogram(registry, 'verge_cloud_api_request_duration_seconds', 'Service API requests by method, route template and status class', c.apiSeconds);
  scrapedHistogram(registry, 'verge_cloud_store_transaction_duration_seconds', 'Store transactions of this instance, from begin to commit or rollback', c.transactionSeconds);
  scrapedGauge(registry, 'verge_cloud_deployments', 'Automatic deployments by staged-rollout status (none: no rollout policy); the fleet as the store holds it', ['rollout_status'], async () => {
    const counts = await s.fleet.deploymentsByRolloutStatus();
    return ['none', ...RolloutStatusSchema.options].map((status) => [{ rollout_status: status }, counts.get(status) ?? 0] as const);
  });
  scrapedGauge(registry, 'verge_cloud_jobs', 'Jobs by status; the fleet as the store holds it', ['status'], async () => {
    const counts = await s.fleet.jobsByStatus();
    return JobStatusSchema.options.map((status) => [{ status }, counts.get(status) ?? 0] as const);
  });
  return registry;
}

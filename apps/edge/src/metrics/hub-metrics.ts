import type { Registry } from 'prom-client';
import type { HubMetricsSource } from '../hub/index.js';
import { clientLabel, type KeyedCount } from '../hub/keyed-counts.js';
import { scrapedCounter, scrapedGauge, scrapedSummary, type Sample } from '@verge/platform/prometheus';

// edgeHub's built-in metrics (reference azure-iot-edge.md §9), read from the hub's counters when scraped. Label
// values iotedge has but Verge does not track per message (the sender of a TTL-expired or store-refused message)
// are empty, which Prometheus reads as an absent label.

const MODULE_INPUT = /^\/modules\/([^/]+)\/inputs\/(.+)$/;

/** iotedge's `to` and `to_route_input` of an endpoint: `upstream`, or `{edge device}/{module}` and the input. */
function destinationOf(endpointId: string, edgeDeviceId: string): { to: string; to_route_input: string } {
  const m = MODULE_INPUT.exec(endpointId);
  if (m !== null) return { to: `${edgeDeviceId}/${m[1] ?? ''}`, to_route_input: m[2] ?? '' };
  // `$upstream` and the parked queues of senders the cloud refused both go upstream.
  return { to: 'upstream', to_route_input: '' };
}

function byClient(counts: readonly KeyedCount[]): Sample<'id'>[] {
  return counts.map((c) => [{ id: clientLabel(c.deviceId, c.moduleId) }, c.count]);
}

/** Registers the `edgehub_*` metrics on `registry`, read from `hub()` (absent before the hub is created). */
export function registerHubMetrics(registry: Registry, edgeDeviceId: string, hub: () => HubMetricsSource | undefined): void {
  const counters = () => hub()?.counters;
  scrapedCounter(registry, 'edgehub_messages_received_total', 'Messages received from clients (modules and leaf devices)', ['route_output', 'id'], () =>
    (counters()?.receivedBySource.entries() ?? []).map((c) => [{ route_output: c.key, id: clientLabel(c.deviceId, c.moduleId) }, c.count] as const),
  );
  scrapedSummary<'id'>(registry, 'edgehub_message_size_bytes', 'Size of the messages received from clients (sum and count)', () =>
    sumById(counters()?.receivedBySource.entries() ?? []),
  );
  scrapedCounter(registry, 'edgehub_messages_sent_total', 'Messages delivered to an endpoint (upstream or a module input)', ['from', 'to', 'from_route_output', 'to_route_input', 'priority'], () =>
    (hub()?.sentBySource() ?? []).flatMap((e) =>
      e.counts.map((c) => [{ from: clientLabel(c.deviceId, c.moduleId), from_route_output: c.key, ...destinationOf(e.endpointId, edgeDeviceId), priority: String(e.priority) }, c.count] as const),
    ),
  );
  scrapedGauge(registry, 'edgehub_queue_length', 'Messages stored for an endpoint and not yet delivered', ['endpoint', 'priority'], async () => {
    const queues = (await hub()?.queues()) ?? [];
    return queues.map((q) => [{ endpoint: q.endpointId, priority: String(q.priority) }, q.length] as const);
  });
  scrapedCounter(registry, 'edgehub_messages_dropped_total', 'Messages dropped: no route matched, or their time to live passed before delivery', ['reason', 'from', 'from_route_output'], () => {
    const c = counters();
    const noRoute = (c?.unroutedBySource.entries() ?? []).map((u) => [{ reason: 'no_route', from: clientLabel(u.deviceId, u.moduleId), from_route_output: u.key }, u.count] as const);
    const status = hub()?.status();
    const expired = (status?.endpoints ?? []).reduce((n, e) => n + e.priorities.reduce((m, p) => m + p.droppedTtlExpiry, 0), 0);
    return [...noRoute, [{ reason: 'ttl_expiry', from: '', from_route_output: '' }, expired] as const];
  });
  scrapedCounter(registry, 'edgehub_messages_unack_total', 'Messages not acknowledged to their sender because they could not be stored', ['reason', 'from', 'from_route_output'], () => {
    const c = counters();
    return [
      [{ reason: 'storage_full', from: '', from_route_output: '' }, c?.refusedStoreFull ?? 0],
      [{ reason: 'storage_failure', from: '', from_route_output: '' }, c?.storeFailures ?? 0],
    ] as const;
  });
  scrapedCounter(registry, 'edgehub_gettwin_total', 'Twin GET requests of clients', ['source', 'id'], () =>
    (counters()?.twinGets.entries() ?? []).map((c) => [{ source: 'edge_hub', id: clientLabel(c.deviceId, c.moduleId) }, c.count] as const),
  );
  scrapedCounter(registry, 'edgehub_reported_properties_total', 'Reported-property patches accepted from clients', ['target', 'id'], () =>
    (counters()?.reportedPatches.entries() ?? []).map((c) => [{ target: 'upstream', id: clientLabel(c.deviceId, c.moduleId) }, c.count] as const),
  );
  scrapedCounter(registry, 'edgehub_direct_methods_total', 'Direct methods invoked on clients of the hub', ['from', 'to'], () =>
    (counters()?.directMethods.entries() ?? []).map((c) => [{ from: c.key, to: clientLabel(c.deviceId, c.moduleId) }, c.count] as const),
  );
  scrapedGauge(registry, 'edgehub_connected_clients', 'Clients (modules and leaf devices) connected to the hub', [], () => [[{}, hub()?.status().connectedClients ?? 0]] as const);
  scrapedCounter(registry, 'edgehub_client_connect_success_total', 'Successful client connections', ['id'], () => byClient(counters()?.connects.entries() ?? []));
  scrapedCounter(registry, 'edgehub_client_disconnect_total', 'Client disconnections', ['id'], () => byClient(counters()?.disconnects.entries() ?? []));
}

function sumById(counts: readonly KeyedCount[]): [Record<'id', string>, number, number][] {
  const byId = new Map<string, [number, number]>();
  for (const c of counts) {
    const id = clientLabel(c.deviceId, c.moduleId);
    const t = byId.get(id) ?? [0, 0];
    byId.set(id, [t[0] + c.bytes, t[1] + c.count]);
  }
  return [...byId].map(([id, [sum, count]]) => [{ id }, sum, count]);
}

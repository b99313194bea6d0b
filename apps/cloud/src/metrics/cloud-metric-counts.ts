import { LabelledBuckets } from '@verge/platform';
import type { CloudEventMap, CloudEventTopic } from '../events/event-bus.js';

// The cloud's counts for `verge_cloud_*` (docs/metrics.md): plain numbers bumped from what this instance publishes
// on its event bus (observed-bus.ts), from the API's response hook and from the store's transactions; prom-client
// reads them only when scraped (cloud-prom-registry.ts). Labels come from fixed sets (client kind, twin section,
// method result, route template, status class): never a device id, so a large fleet adds no series.

/** `device` or `module`: the kind of a connected client. */
export type ClientKind = 'device' | 'module';

/** The result of a direct method as the service API answered it. */
export type MethodResult = 'answered' | 'not_connected' | 'timeout' | 'rejected' | 'error';

/** One answered API request, as the response hook sees it. */
export interface ApiRequestObservation {
  readonly method: string;
  /** The route template (`/devices/:id`), undefined when no route matched. */
  readonly route: string | undefined;
  readonly statusCode: number;
  readonly durationMs: number;
}

/** The direct-method routes of the service API (fastify templates). */
const METHOD_ROUTES = new Set(['/twins/:id/methods', '/twins/:id/modules/:mid/methods']);

const kindOf = (id: { readonly moduleId?: string | undefined }): ClientKind => (id.moduleId === undefined ? 'device' : 'module');

/** What this instance did, counted since it started. */
export class CloudMetricCounts {
  readonly connectionsOpened: Record<ClientKind, number> = { device: 0, module: 0 };
  readonly connectionsClosed: Record<ClientKind, number> = { device: 0, module: 0 };
  telemetryMessages = 0;
  telemetryBytes = 0;
  c2dEnqueued = 0;
  readonly twinUpdates = { desired: 0, reported: 0, tags: 0 };
  readonly methods = new Map<MethodResult, number>();
  evaluations = 0;
  evaluatedDevices = 0;
  readonly evaluationSeconds = new LabelledBuckets<'scope'>([0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
  readonly apiSeconds = new LabelledBuckets<'method' | 'route' | 'status_class'>();
  readonly transactionSeconds = new LabelledBuckets<never>([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);

  /** Counts an event this instance published (events relayed from other instances are not passed here). */
  observeEvent<K extends CloudEventTopic>(topic: K, event: CloudEventMap[K]): void {
    switch (topic) {
      case 'connectionChanged': {
        const e = event as CloudEventMap['connectionChanged'];
        (e.connected ? this.connectionsOpened : this.connectionsClosed)[kindOf(e.id)] += 1;
        return;
      }
      case 'telemetry': {
        const e = event as CloudEventMap['telemetry'];
        this.telemetryMessages += 1;
        this.telemetryBytes += e.record.sizeBytes;
        return;
      }
      case 'c2dEnqueued':
        this.c2dEnqueued += 1;
        return;
      case 'twinChanged': {
        const e = event as CloudEventMap['twinChanged'];
        if (e.desired) this.twinUpdates.desired += 1;
        if (e.reported) this.twinUpdates.reported += 1;
        if (e.tags) this.twinUpdates.tags += 1;
        return;
      }
      case 'deploymentsEvaluated': {
        const e = event as CloudEventMap['deploymentsEvaluated'];
        this.evaluations += 1;
        this.evaluatedDevices += e.devices;
        this.evaluationSeconds.observe({ scope: e.all ? 'all' : 'devices' }, e.durationMs / 1000);
        return;
      }
      default:
        return;
    }
  }

  /** Counts an answered API request (and a direct method's result, on the method routes). */
  observeRequest(r: ApiRequestObservation): void {
    const route = r.route ?? 'unmatched';
    this.apiSeconds.observe({ method: r.method, route, status_class: `${Math.floor(r.statusCode / 100)}xx` }, r.durationMs / 1000);
    if (r.method === 'POST' && METHOD_ROUTES.has(route)) {
      const result = methodResultOf(r.statusCode);
      this.methods.set(result, (this.methods.get(result) ?? 0) + 1);
    }
  }

  observeTransaction(durationMs: number): void {
    this.transactionSeconds.observe({}, durationMs / 1000);
  }

  /** Clients connected through this instance: opened minus closed. */
  connected(kind: ClientKind): number {
    return this.connectionsOpened[kind] - this.connectionsClosed[kind];
  }
}

/**
 * 200: the device answered (whatever status it returned); 404: not connected (or unknown); 504: no answer in time;
 * other 4xx: the request was refused; 5xx: the cloud failed.
 */
function methodResultOf(statusCode: number): MethodResult {
  if (statusCode === 200) return 'answered';
  if (statusCode === 404) return 'not_connected';
  if (statusCode === 504) return 'timeout';
  return statusCode < 500 ? 'rejected' : 'error';
}

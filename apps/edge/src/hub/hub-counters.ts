import { KeyedCounts } from './keyed-counts.js';

/** Counters of the hub's ingest path (iotedge `edgehub_messages_*` metrics, reference azure-iot-edge.md §9). */
export class HubCounters {
  /** Accepted telemetry per sender and output, with sizes (`edgehub_messages_received_total`, `edgehub_message_size_bytes`). */
  readonly receivedBySource = new KeyedCounts();
  /** Unrouted messages per sender and output (`edgehub_messages_dropped_total{reason="no_route"}`). */
  readonly unroutedBySource = new KeyedCounts();
  /** Twin GETs per client (`edgehub_gettwin_total`). */
  readonly twinGets = new KeyedCounts();
  /** Accepted reported-property patches per client (`edgehub_reported_properties_total`). */
  readonly reportedPatches = new KeyedCounts();
  /** Direct methods per target client; the key is the caller (`upstream`, or a module's id) (`edgehub_direct_methods_total`). */
  readonly directMethods = new KeyedCounts();
  /** Successful client CONNECTs per client (`edgehub_client_connect_success_total`). */
  readonly connects = new KeyedCounts();
  /** Client disconnections per client (`edgehub_client_disconnect_total`). */
  readonly disconnects = new KeyedCounts();
  /** Telemetry publishes accepted from clients. */
  received = 0;
  /** Persisted for at least one endpoint. */
  stored = 0;
  /** Matched no route: dropped and acknowledged (`edgehub_messages_dropped_total{reason="no_route"}`). */
  unrouted = 0;
  /** Stored before the hub had any route table, to be routed when the first one arrives (never dropped for it). */
  heldForRoutes = 0;
  /** Refused because the store was full: not acknowledged (`edgehub_messages_unack_total{reason="storage_full"}`). */
  refusedStoreFull = 0;
  /** Not acknowledged because the store failed (`edgehub_messages_unack_total{reason="storage_failure"}`). */
  storeFailures = 0;
  /** True from a refusal for a full store (or disk) until the next message is stored: the refusal is logged once. */
  refusing = false;

  snapshot(): Readonly<Record<'received' | 'stored' | 'heldForRoutes' | 'unrouted' | 'refusedStoreFull' | 'storeFailures', number>> {
    return {
      received: this.received,
      stored: this.stored,
      heldForRoutes: this.heldForRoutes,
      unrouted: this.unrouted,
      refusedStoreFull: this.refusedStoreFull,
      storeFailures: this.storeFailures,
    };
  }
}

/** Counters of the hub's ingest path (iotedge `edgehub_messages_*` metrics, reference azure-iot-edge.md §9). */
export class HubCounters {
  /** Telemetry publishes accepted from clients. */
  received = 0;
  /** Persisted for at least one endpoint. */
  stored = 0;
  /** Matched no route: dropped and acknowledged (`edgehub_messages_dropped_total{reason="no_route"}`). */
  unrouted = 0;
  /** Refused because the store was full: not acknowledged (`edgehub_messages_unack_total{reason="storage_full"}`). */
  refusedStoreFull = 0;
  /** Not acknowledged because the store failed (`edgehub_messages_unack_total{reason="storage_failure"}`). */
  storeFailures = 0;

  snapshot(): Readonly<Record<'received' | 'stored' | 'unrouted' | 'refusedStoreFull' | 'storeFailures', number>> {
    return { received: this.received, stored: this.stored, unrouted: this.unrouted, refusedStoreFull: this.refusedStoreFull, storeFailures: this.storeFailures };
  }
}

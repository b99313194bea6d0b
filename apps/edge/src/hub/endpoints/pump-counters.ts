/** Why a pump dropped a message (`edgehub_messages_dropped_total{reason}`, reference azure-iot-edge.md §9). */
export type DropReason = 'ttl_expiry' | 'permanent';

/** Counters of one (endpoint, priority). */
export interface PriorityCounters {
  readonly priority: number;
  /** Messages the endpoint accepted (`edgehub_messages_sent_total`). */
  readonly sent: number;
  /** Messages dropped because their TTL passed before delivery. */
  readonly droppedTtlExpiry: number;
  /** Messages dropped because the endpoint refused them for good (e.g. oversized). */
  readonly droppedPermanent: number;
  /** Messages moved to their sender's parked queue (delivered from there). */
  readonly parked: number;
}

/** Mutable counters of one pump; `snapshot` copies them out sorted by priority. */
export class PumpCounters {
  private readonly byPriority = new Map<number, { sent: number; droppedTtlExpiry: number; droppedPermanent: number; parked: number }>();
  /** Delivery attempts repeated after a retryable failure. */
  retries = 0;

  sent(priority: number, n = 1): void {
    this.of(priority).sent += n;
  }

  parked(priority: number, n = 1): void {
    this.of(priority).parked += n;
  }

  dropped(priority: number, reason: DropReason, n = 1): void {
    if (n <= 0) return;
    const c = this.of(priority);
    if (reason === 'ttl_expiry') c.droppedTtlExpiry += n;
    else c.droppedPermanent += n;
  }

  snapshot(): PriorityCounters[] {
    return [...this.byPriority.entries()].sort(([a], [b]) => a - b).map(([priority, c]) => ({ priority, ...c }));
  }

  private of(priority: number): { sent: number; droppedTtlExpiry: number; droppedPermanent: number; parked: number } {
    let c = this.byPriority.get(priority);
    if (c === undefined) {
      c = { sent: 0, droppedTtlExpiry: 0, droppedPermanent: 0, parked: 0 };
      this.byPriority.set(priority, c);
    }
    return c;
  }
}

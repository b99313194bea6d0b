import type { Message } from '@verge/contracts';
import { KeyedCounts, type KeyedCount } from '../keyed-counts.js';

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
  /** Messages the endpoint accepted, per priority and (sender, output): `edgehub_messages_sent_total{from,from_route_output}`. */
  private readonly sentFrom = new Map<number, KeyedCounts>();
  /** Delivery attempts repeated after a retryable failure. */
  retries = 0;

  sent(priority: number, n = 1): void {
    this.of(priority).sent += n;
  }

  /** One message the endpoint accepted, counted by its sender and output too (three Map lookups, no allocation). */
  sentMessage(priority: number, message: Message): void {
    this.of(priority).sent += 1;
    let bySource = this.sentFrom.get(priority);
    if (bySource === undefined) {
      bySource = new KeyedCounts();
      this.sentFrom.set(priority, bySource);
    }
    const sp = message.systemProperties;
    bySource.add(sp['connectionDeviceId'] ?? '', sp['connectionModuleId'], sp['outputName'] ?? '');
  }

  /** Accepted messages per priority and sender (copies). */
  sentBySource(): { readonly priority: number; readonly counts: readonly KeyedCount[] }[] {
    return [...this.sentFrom.entries()].map(([priority, counts]) => ({ priority, counts: counts.entries() }));
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

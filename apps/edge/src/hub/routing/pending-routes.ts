import { remainingTtlSecs, type Message, type MessageDelivery, type MessageStore, type QueueEntry, type QueueRef } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import type { HubCounters } from '../hub-counters.js';
import { planDeliveries } from './ingest.js';
import type { RouteSnapshot } from './route-table.js';

/** The store queue of messages that arrived before the hub had any route table (no pump delivers it). */
export const PENDING_ROUTES_QUEUE: QueueRef = { endpointId: '$pendingRoutes', priority: 0 };

/** Options of {@link PendingRoutes}. */
export interface PendingRoutesOptions {
  readonly store: MessageStore;
  readonly table: () => RouteSnapshot;
  /** Messages were queued for these endpoints (create and wake their pumps). */
  readonly stored: (endpointIds: readonly string[]) => void;
  readonly counters: HubCounters;
  readonly log: Logger;
  /** TTL of a held message (the hub's default TTL): a hub that never gets routes does not keep it for ever. */
  readonly ttlSecs: number;
  readonly nowMs: () => number;
}

/**
 * Defence in depth for the startup race (issue 7): a message published before the hub has its first route table is
 * stored durably in {@link PENDING_ROUTES_QUEUE} and acknowledged, instead of being acknowledged and dropped as
 * unrouted. When a table is in force (from the `$edgeHub` twin, or the cached one at start), `drain` routes the held
 * messages by it, in order, into the endpoint queues, and retires them. A crash in between routes a message again
 * (at least once, as every delivery). Route TTLs count from when the hub accepted the message, not from the drain:
 * a delivery whose TTL passed while it was held is dropped (logged with the drain's counts).
 */
export class PendingRoutes {
  private draining: Promise<void> | undefined;
  private again = false;

  constructor(private readonly o: PendingRoutesOptions) {}

  /** Stores a message until routes exist; resolves once it is durable. */
  async hold(message: Message): Promise<void> {
    await this.o.store.append(message, [{ ...PENDING_ROUTES_QUEUE, ttlSecs: this.o.ttlSecs }]);
    // A table may have arrived while the append was in flight: route it now rather than at the next table.
    if (this.o.table().desiredVersion !== undefined) this.drain();
  }

  /** Routes every held message by the table in force (no-op without one); runs one drain at a time. */
  drain(): void {
    if (this.o.table().desiredVersion === undefined) return;
    if (this.draining !== undefined) {
      this.again = true;
      return;
    }
    this.draining = this.run()
      .catch((err: unknown) => this.o.log.error({ err }, 'routing the messages held before the first route table failed; retried with the next table or restart'))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.drain();
        }
      });
  }

  /** Resolves when the drain in progress (if any) has finished. */
  async settled(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async run(): Promise<void> {
    const { store } = this.o;
    const [queue] = await store.queues(PENDING_ROUTES_QUEUE.endpointId);
    if (queue === undefined || queue.length === 0) return;
    let from = queue.checkpoint + 1;
    let routed = 0;
    let unrouted = 0;
    let expired = 0;
    for (;;) {
      const batch = await store.read(PENDING_ROUTES_QUEUE, from, 100);
      const table = this.o.table();
      for (const entry of batch.entries) {
        const planned = planDeliveries(entry.message, table);
        if (planned.length === 0) {
          unrouted += 1;
          this.o.counters.unrouted += 1;
          continue;
        }
        const deliveries = livingDeliveries(entry, planned, this.o.nowMs());
        expired += planned.length - deliveries.length;
        if (deliveries.length === 0) continue;
        await store.append(entry.message, deliveries);
        this.o.stored(deliveries.map((d) => d.endpointId));
        routed += 1;
      }
      if (batch.nextOffset === from) break;
      await store.checkpoint(PENDING_ROUTES_QUEUE, batch.nextOffset - 1);
      from = batch.nextOffset;
    }
    this.o.log.info({ routed, unrouted, expired, version: this.o.table().desiredVersion }, 'messages held before the first route table routed');
  }
}

/** The deliveries of a held entry with the TTL each has left, counted from when the hub accepted it; expired ones dropped. */
function livingDeliveries(entry: QueueEntry, planned: readonly MessageDelivery[], nowMs: number): MessageDelivery[] {
  const out: MessageDelivery[] = [];
  for (const d of planned) {
    const ttlSecs = remainingTtlSecs(entry.enqueuedAtMs, d.ttlSecs, nowMs);
    if (ttlSecs !== undefined) out.push({ ...d, ttlSecs });
  }
  return out;
}

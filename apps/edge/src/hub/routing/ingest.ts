import type { AppendReceipt, Message, MessageDelivery, MessageStore } from '@verge/contracts';
import { routeMessage } from '@verge/core';
import type { RouteSnapshot } from './route-table.js';

/**
 * The store deliveries of a message under a route table (reference azure-iot-edge.md §3.5, §4): one per endpoint,
 * with the winning route's priority, and its TTL when it has one (> 0), else the table's default. Pure.
 */
export function planDeliveries(message: Message, table: RouteSnapshot): MessageDelivery[] {
  return routeMessage(message, table.routes).map((d) => ({
    endpointId: d.endpointId,
    priority: d.priority,
    ttlSecs: d.ttlSecs > 0 ? d.ttlSecs : table.defaultTtlSecs,
  }));
}

/** What became of a message. */
export type IngestOutcome =
  | { readonly kind: 'stored'; readonly receipt: AppendReceipt; readonly endpointIds: readonly string[] }
  /** No route matched: dropped and counted (`edgehub_messages_dropped_total{reason="no_route"}`), still acknowledged. */
  | { readonly kind: 'unrouted' }
  /** The hub has no route table yet: stored durably and routed when the first table arrives (never dropped for it). */
  | { readonly kind: 'held' };

/** What {@link ingestMessage} needs. */
export interface IngestDeps {
  readonly table: () => RouteSnapshot;
  readonly store: MessageStore;
  /** Called once the message is durable, with the endpoints it was queued for (wake their pumps). */
  readonly stored: (endpointIds: readonly string[]) => void;
  /** Stores a message that arrived before the first route table (resolves once durable). */
  readonly hold: (message: Message) => Promise<void>;
}

/**
 * Routes a message and persists it for each endpoint in one atomic `append` (STYLE §2.4). Resolves once it is
 * durable, so the caller may PUBACK then (reference §4: "persisted before PUBACK"); rejects with the store's error
 * (HUB_STORE_FULL, HUB_STORE_WRITE_FAILED, HUB_STORE_CLOSED) when nothing was stored. The table is read once, so
 * a message is routed by one whole table even while a new one is swapped in.
 */
export async function ingestMessage(deps: IngestDeps, message: Message): Promise<IngestOutcome> {
  const table = deps.table();
  // No table yet (first start, `$edgeHub` twin not read): acknowledging and dropping would lose the message (issue 7).
  if (table.desiredVersion === undefined) {
    await deps.hold(message);
    return { kind: 'held' };
  }
  const deliveries = planDeliveries(message, table);
  if (deliveries.length === 0) return { kind: 'unrouted' };
  const receipt = await deps.store.append(message, deliveries);
  const endpointIds = deliveries.map((d) => d.endpointId);
  deps.stored(endpointIds);
  return { kind: 'stored', receipt, endpointIds };
}

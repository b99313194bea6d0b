// The items, results and port of a module input's sliding window (`sliding-window.ts`).
import type { LocalDeliveryResult } from './ack-tracker.js';

/** One message of a windowed call: ready to publish, or refused before sending (its topic cannot be built). */
export type WindowItem<T> = { readonly send: T } | { readonly refused: string };

/** How one item of a windowed call ended: a delivery result, refused, or never sent (an earlier one failed). */
export type WindowResult = LocalDeliveryResult | { readonly refused: string } | 'unsent';

/** What a module input's sliding window publishes through: see `AckTracker.publish` / `cancel`. */
export interface WindowPort<T> {
  publish(item: T, done: (r: LocalDeliveryResult) => void): string | 'busy' | 'closed';
  cancel(tag: string): void;
}

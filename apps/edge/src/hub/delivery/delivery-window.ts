import type { LocalDeliveryResult } from './ack-tracker.js';

/** One message of a windowed call: ready to publish, or refused before sending (its topic cannot be built). */
export type WindowItem<T> = { readonly send: T } | { readonly refused: string };

/** How one item of a windowed call ended: a delivery result, refused, or never sent (an earlier one failed). */
export type WindowResult = LocalDeliveryResult | { readonly refused: string } | 'unsent';

/** What {@link deliverWindowed} publishes through: see `AckTracker.publish` / `cancel`. */
export interface WindowPort<T> {
  publish(item: T, done: (r: LocalDeliveryResult) => void): string | 'busy' | 'closed';
  cancel(tag: string): void;
}

/**
 * Publishes `items` in order with at most `window` unacknowledged at a time (a sliding window: each PUBACK lets the
 * next one go), and resolves with one result per item once none is in flight any more. The first failure (closed,
 * aborted, busy with nothing of ours in flight) stops further publishes; the rest are `unsent`. `busy` while some
 * of ours are in flight just waits for one of them (the connection's own cap is lower than the window). `signal`
 * cancels every delivery still waiting. `onIssued` runs once, as soon as nothing more will be published (all were,
 * or a failure stopped it), so a later call can start publishing behind these without overtaking them.
 */
export function deliverWindowed<T>(
  items: readonly WindowItem<T>[],
  window: number,
  port: WindowPort<T>,
  signal: AbortSignal,
  onIssued: () => void = () => undefined,
): Promise<WindowResult[]> {
  const results: WindowResult[] = items.map(() => 'unsent');
  if (signal.aborted || items.length === 0) {
    if (signal.aborted) results.fill('aborted');
    onIssued();
    return Promise.resolve(results);
  }
  return new Promise((resolve) => {
    const tags = new Set<string>();
    let next = 0;
    let failed = false;
    let finished = false;
    let issued = false;
    const onAbort = (): void => {
      failed = true;
      for (const t of [...tags]) port.cancel(t);
      finish();
    };
    const finish = (): void => {
      if (finished || tags.size > 0 || !(failed || next >= items.length)) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      resolve(results);
    };
    const fill = (): void => {
      while (!failed && next < items.length && tags.size < window) {
        const i = next;
        const item = items[i] as WindowItem<T>;
        if ('refused' in item) {
          results[i] = { refused: item.refused };
          next += 1;
          continue;
        }
        let tag = '';
        const sent = port.publish(item.send, (r) => {
          tags.delete(tag);
          results[i] = r;
          if (r !== 'acked') failed = true;
          fill();
          finish();
        });
        if (sent === 'busy' && tags.size > 0) break; // the connection is full: the next PUBACK makes room
        if (sent === 'busy' || sent === 'closed') {
          results[i] = sent;
          failed = true;
          break;
        }
        tag = sent;
        tags.add(tag);
        next += 1;
      }
      if (!issued && (failed || next >= items.length)) {
        issued = true;
        onIssued();
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    fill();
    finish();
  });
}

import type { QueueEntry } from '@verge/contracts';
import type { DeliveryOrdering, SendOutcome } from './endpoint-sender.js';
import { chunkEntries, groupBySender } from './send-groups.js';

/** Sends one call's worth of entries and returns one outcome per entry (the pump adds timeout and error handling). */
export type SendCall = (entries: readonly QueueEntry[]) => Promise<readonly SendOutcome[]>;

/** The outcome of entries a sender was never asked about because an earlier one of the same sender failed. */
export const notAttempted: SendOutcome = { kind: 'retryable', reason: 'not attempted: an earlier message of the same sender failed' };

/**
 * One delivery attempt of the unresolved entries of a batch, honouring the ordering: per sender, calls go out in
 * queue order and stop at the first retryable failure (later entries stay unresolved, so nothing overtakes it);
 * different senders proceed independently, `fanOut` at a time. Returns the outcome per offset; entries without one
 * were not attempted.
 */
export async function attemptDelivery(entries: readonly QueueEntry[], ordering: DeliveryOrdering, send: SendCall): Promise<Map<number, SendOutcome>> {
  const outcomes = new Map<number, SendOutcome>();
  switch (ordering.kind) {
    case 'one-at-a-time':
      await sendInOrder(entries.map((e) => [e]), send, outcomes);
      return outcomes;
    case 'in-order':
      await sendInOrder(chunkEntries(entries, Math.max(1, ordering.maxBatchSize), Number.POSITIVE_INFINITY), send, outcomes);
      return outcomes;
    case 'per-sender': {
      const groups = groupBySender(entries).map((g) => chunkEntries(g, ordering.maxBatchSize, ordering.maxBatchBytes));
      await runLimited(groups, Math.max(1, ordering.fanOut), (chunks) => sendInOrder(chunks, send, outcomes));
      return outcomes;
    }
    default:
      return assertNever(ordering);
  }
}

/** Sends chunks one after the other; stops after a chunk with a retryable failure. */
async function sendInOrder(chunks: readonly (readonly QueueEntry[])[], send: SendCall, outcomes: Map<number, SendOutcome>): Promise<void> {
  for (const chunk of chunks) {
    const results = await send(chunk);
    let failed = false;
    chunk.forEach((e, i) => {
      const r = results[i] ?? notAttempted;
      // After a retryable failure only an explicit `ok` counts (it was delivered); anything else waits for the retry.
      outcomes.set(e.offset, failed && r.kind !== 'ok' ? notAttempted : r);
      if (r.kind === 'retryable') failed = true;
    });
    if (failed) return;
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function runLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function assertNever(x: never): never {
  throw new Error(`unexpected delivery ordering ${JSON.stringify(x)}`);
}

import type { ApiClient } from '@verge/api-client';

/** Per-sender arrival figures of numbered messages in the cloud. */
export interface SeqFigures {
  readonly distinct: number;
  readonly duplicates: number;
  /** First arrivals of a seq lower than one already seen from the same sender. */
  readonly outOfOrder: number;
}

/** Counts numbered messages (`property` holds 1, 2, …) arriving on the cloud's live `/events`, per sender. */
export interface SeqTracker {
  has(sender: string, seq: number): boolean;
  figures(sender: string): SeqFigures;
  /** The numbers of `seqs` that have not arrived from `sender`. */
  missing(sender: string, seqs: Iterable<number>): number[];
  /** Every message seen (numbered or not). */
  total(): number;
  stop(): void;
}

/**
 * Follows `/events` (all devices; reconnecting with Last-Event-ID across cloud restarts) and records, per sender
 * (`deviceId/moduleId`), which numbers arrived, how many were duplicates and how many arrived out of order. Holds
 * one bit per number, so streams of 100,000s of messages cost little.
 */
export function trackSeqs(api: ApiClient, property = 'seq'): SeqTracker {
  const abort = new AbortController();
  const senders = new Map<string, { seen: Set<number>; duplicates: number; outOfOrder: number; max: number }>();
  let total = 0;
  void (async () => {
    try {
      for await (const m of api.events({}, { signal: abort.signal, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 } })) {
        total += 1;
        const seq = Number(m.properties[property]);
        if (!Number.isInteger(seq)) continue;
        const key = `${m.deviceId}/${m.moduleId ?? ''}`;
        let s = senders.get(key);
        if (s === undefined) senders.set(key, (s = { seen: new Set(), duplicates: 0, outOfOrder: 0, max: 0 }));
        if (s.seen.has(seq)) {
          s.duplicates += 1;
          continue;
        }
        s.seen.add(seq);
        if (seq < s.max) s.outOfOrder += 1;
        else s.max = seq;
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    has: (sender, seq) => senders.get(sender)?.seen.has(seq) ?? false,
    figures: (sender) => {
      const s = senders.get(sender);
      return { distinct: s?.seen.size ?? 0, duplicates: s?.duplicates ?? 0, outOfOrder: s?.outOfOrder ?? 0 };
    },
    missing: (sender, seqs) => {
      const seen = senders.get(sender)?.seen;
      return [...seqs].filter((n) => seen?.has(n) !== true);
    },
    total: () => total,
    stop: () => abort.abort(),
  };
}

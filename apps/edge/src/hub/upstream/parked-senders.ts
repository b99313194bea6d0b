import { remainingTtlSecs, VergeError, type DeadLetterSender, type MessageStore, type QueueEntry, type QueueRef } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import type { SendOutcome } from '../endpoints/index.js';

/** Endpoint ids of the parked (dead-letter) queues: one per sender, `$upstream/parked/{deviceId}[/{moduleId}]`. */
export const PARKED_PREFIX = '$upstream/parked/';

/** The parked queue of a sender (`deviceId` or `deviceId/moduleId`). */
export function parkedQueueOf(sender: string): QueueRef {
  return { endpointId: `${PARKED_PREFIX}${sender}`, priority: 0 };
}

/** The sender of a parked queue's endpoint id, or undefined when it is not one. */
export function senderOfParkedEndpoint(endpointId: string): string | undefined {
  return endpointId.startsWith(PARKED_PREFIX) ? endpointId.slice(PARKED_PREFIX.length) : undefined;
}

/** Why a message is parked when it is parked only because earlier messages of its sender are. */
export const BEHIND_PARKED = 'earlier messages of this sender are parked';

/** Options of {@link ParkedSenders}. */
export interface ParkedSendersOptions {
  readonly store: MessageStore;
  /** Messages were parked in these queues: create and wake their pumps. */
  readonly parked: (endpointIds: readonly string[]) => void;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/**
 * Skip-and-park for the upstream queue (issue 7, head-of-line blocking): when the hub cannot act as a sender
 * upstream (no credential for it yet, or the cloud refuses its credential: keys rotated, device disabled), that
 * sender's messages are moved, in order, to its own parked queue, so the shared `$upstream` queue moves on and the
 * other senders' telemetry flows. Later messages of a sender with parked ones are parked behind them (per-sender
 * order). Each parked queue has its own pump, which retries with backoff (a rotated key works again once the device
 * scope is refreshed, a module once the agent knows its generation); `verge edge dead-letters` lists them and
 * `replay` retries them at once. Nothing acknowledged is dropped for lack of a credential; TTLs still apply.
 */
export class ParkedSenders {
  private readonly reasons = new Map<string, string>();

  constructor(private readonly o: ParkedSendersOptions) {}

  /** True when the sender has parked messages not yet delivered. */
  async hasBacklog(sender: string): Promise<boolean> {
    const [q] = await this.o.store.queues(parkedQueueOf(sender).endpointId);
    return q !== undefined && q.length > 0;
  }

  /**
   * Moves `entries` (one sender's, in order) to its parked queue; resolves with their outcomes once durable.
   * Without `reason` they are parked only to keep the sender's order behind messages parked earlier: the reason
   * those were parked (what `verge edge dead-letters` shows) stays.
   */
  async park(sender: string, entries: readonly QueueEntry[], reason?: string): Promise<SendOutcome[]> {
    const queue = parkedQueueOf(sender);
    const now = this.o.nowMs();
    for (const e of entries) {
      // At least 1 s: the entry was live when read, and parking must not drop it at once.
      const left = remainingTtlSecs(e.enqueuedAtMs, e.ttlSecs, now);
      await this.o.store.append(e.message, [{ ...queue, ttlSecs: left === -1 ? -1 : Math.max(1, left ?? 1) }]);
    }
    const known = this.reasons.get(sender);
    if (reason !== undefined && known !== reason) {
      this.o.log.warn({ sender, count: entries.length, reason }, 'upstream messages of a sender parked; the others go on (see `verge edge dead-letters`)');
      this.reasons.set(sender, reason);
    }
    this.o.parked([queue.endpointId]);
    const outcome: SendOutcome = { kind: 'parked', reason: reason ?? known ?? BEHIND_PARKED };
    return entries.map(() => outcome);
  }

  /** The parked senders with their queue lengths, from the store's queues and the pumps' status. */
  async list(status: (endpointId: string) => { readonly lastError: string | undefined; readonly nextRetryAtMs: number | undefined } | undefined): Promise<DeadLetterSender[]> {
    const out: DeadLetterSender[] = [];
    for (const q of await this.o.store.queues()) {
      const sender = senderOfParkedEndpoint(q.endpointId);
      if (sender === undefined || q.length === 0) continue;
      const s = status(q.endpointId);
      const reason = this.reasons.get(sender);
      out.push({
        sender,
        messages: q.length,
        ...(reason === undefined ? {} : { reason }),
        ...(s?.lastError === undefined ? {} : { lastError: s.lastError }),
        ...(s?.nextRetryAtMs === undefined ? {} : { nextRetryAt: new Date(s.nextRetryAtMs).toISOString() }),
      });
    }
    return out.sort((a, b) => (a.sender < b.sender ? -1 : 1));
  }

  /** The parked queues to retry now: every one, or the named sender's (HUB_DEAD_LETTER_SENDER_UNKNOWN if it has none). */
  async toReplay(sender: string | undefined): Promise<DeadLetterSender[]> {
    const all = await this.list(() => undefined);
    if (sender === undefined) return all;
    const one = all.filter((d) => d.sender === sender);
    if (one.length === 0) throw new VergeError('HUB_DEAD_LETTER_SENDER_UNKNOWN', `sender '${sender}' has no parked messages (parked: ${all.map((d) => d.sender).join(', ') || 'none'})`);
    return one;
  }

}

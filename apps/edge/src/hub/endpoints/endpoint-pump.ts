import { isExpired, type Clock, type ExpiredEntry, type MessageStore, type QueueEntry, type QueueInfo, type QueueRef } from '@verge/contracts';
import { backoffDelayMs, RECONNECT_BACKOFF, type BackoffPolicy } from '@verge/core';
import { attemptDelivery, notAttempted } from './delivery-attempt.js';
import type { DeliveryOrdering, EndpointSender, SendOutcome } from './endpoint-sender.js';
import { systemClock } from '@verge/platform';
import { PumpCounters, type PriorityCounters } from './pump-counters.js';
import { PumpSignals, type WaitEnd } from './pump-signals.js';
import { sendOnce } from './send-once.js';

/** Where a pump's logs go (a pino logger fits). */
export interface PumpLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link createEndpointPump}. */
export interface EndpointPumpOptions {
  readonly endpointId: string;
  readonly store: MessageStore;
  readonly sender: EndpointSender;
  readonly ordering: DeliveryOrdering;
  /** Default the system clock; tests drive time by hand. */
  readonly clock?: Clock;
  /** Backoff of a failing endpoint; default iotedge's RoutingModule retry, 1 s → 60 s ± 20 % (reference §4). */
  readonly retry?: BackoffPolicy;
  /** Uniform [0, 1) for backoff jitter (default `Math.random`). */
  readonly random?: () => number;
  /** Entries read per batch (default: the ordering's `readBatchSize`, else 100: iotedge 10 × fan-out). */
  readonly readBatchSize?: number;
  /** Longest one send call may take before it counts as a retryable failure (default 30 s, reference §4). */
  readonly sendTimeoutMs?: number;
  /** Safety re-check of the queues while idle, in case a `notify` was missed (default 10 s, iotedge batch timeout). */
  readonly idleRecheckMs?: number;
  readonly log?: PumpLog;
}

/** Where a pump is. */
export type PumpState = 'idle' | 'sending' | 'backoff' | 'stopped';

/** A pump's figures for metrics and `verge edge` diagnostics. */
export interface EndpointPumpStatus {
  readonly endpointId: string;
  readonly state: PumpState;
  readonly priorities: readonly PriorityCounters[];
  /** Delivery attempts repeated after a retryable failure. */
  readonly retries: number;
  /** When the pump retries next (backoff state only). */
  readonly nextRetryAtMs: number | undefined;
  readonly lastError: string | undefined;
}

/** One pump per endpoint (reference azure-iot-edge.md §4, iotedge EndpointExecutor): store → sender, at least once. */
export interface EndpointPump {
  readonly endpointId: string;
  /** Starts the loop (once). */
  start(): void;
  /** New messages were appended for this endpoint: ends an idle wait. */
  notify(): void;
  /**
   * The endpoint is back (e.g. the upstream connection or the module reconnected): ends a backoff wait at once and
   * resets the backoff, so a reconnect drains immediately (Verge's answer to the up-to-60-s stall of PR #7528).
   */
  wake(): void;
  /** Counts expired entries `cleanup` removed from a queue of this endpoint, minus those the pump accounted for. */
  recordCleanup(priority: number, offsets: readonly number[]): void;
  /** Counters and state. */
  status(): EndpointPumpStatus;
  /** Messages the endpoint accepted, per priority and sender (`edgehub_messages_sent_total`). */
  sentBySource(): ReturnType<PumpCounters['sentBySource']>;
  /** The endpoint's queues (length per priority, `edgehub_queue_length`). */
  queues(): Promise<readonly QueueInfo[]>;
  /** Aborts an in-flight send, ends the loop and resolves when it has. Unfinished messages stay stored. */
  stop(): Promise<void>;
}

/** A batch read from one queue: never mixes priorities (reference §3.5). */
interface Batch {
  readonly queue: QueueRef;
  /** The queue's checkpoint when the batch was read. */
  readonly checkpoint: number;
  readonly entries: readonly QueueEntry[];
  /** Checkpointing here retires the whole batch, including expired entries skipped inside it. */
  readonly throughOffset: number;
}

/** A send of a batch read ahead: cancelled when an earlier batch fails. */
interface AheadSend {
  readonly controller: AbortController;
  readonly result: Promise<readonly SendOutcome[]>;
}

/** Batches an in-order pump hands its sender at most: the oldest, waiting for outcomes, and those read ahead. */
const inOrderDepth = 3;

/** Cancels sends read ahead (their outcomes are ignored: the batches are read again) and waits until they settled. */
async function cancelAhead(sends: readonly { readonly sending: AheadSend }[]): Promise<void> {
  for (const s of sends) s.sending.controller.abort(new Error('an earlier batch failed'));
  await Promise.all(sends.map((s) => s.sending.result));
}

/** Creates a pump; call `start()` to run it. */
export function createEndpointPump(options: EndpointPumpOptions): EndpointPump {
  return new Pump(options);
}

class Pump implements EndpointPump {
  readonly endpointId: string;
  private readonly clock: Clock;
  private readonly signals: PumpSignals;
  private readonly counters = new PumpCounters();
  /** Per priority: the highest offset this pump has read (everything at or below it is accounted for by the pump). */
  private readonly readThrough = new Map<number, number>();
  private state: PumpState = 'idle';
  private nextRetryAtMs: number | undefined;
  private lastError: string | undefined;
  private inflight: AbortController | undefined;
  /** Sends of batches read ahead (in-order endpoints, {@link Pump.deliverAhead}). */
  private readonly ahead = new Set<AbortController>();
  /** `notify` came since the last read ahead; `aheadWaiter` ends a wait for it. */
  private aheadNotified = false;
  private aheadWaiter: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /**
   * Per queue: an offset every entry up to which is resolved (delivered, dropped or parked) but whose checkpoint
   * failed (e.g. SQLITE_FULL). The pump retries the checkpoint and reads after it: a failed checkpoint never
   * causes a resend (issue 7).
   */
  private readonly resolvedThrough = new Map<string, number>();

  constructor(private readonly o: EndpointPumpOptions) {
    this.endpointId = o.endpointId;
    this.clock = o.clock ?? systemClock;
    this.signals = new PumpSignals(this.clock);
  }

  start(): void {
    this.loop ??= this.run();
  }

  notify(): void {
    this.signals.notify();
    this.aheadNotified = true;
    this.aheadWaiter?.();
  }

  wake(): void {
    this.signals.wake();
  }

  recordCleanup(priority: number, offsets: readonly number[]): void {
    const mark = this.readThrough.get(priority) ?? -1;
    this.counters.dropped(priority, 'ttl_expiry', offsets.filter((o) => o > mark).length);
  }

  status(): EndpointPumpStatus {
    return {
      endpointId: this.endpointId,
      state: this.state,
      priorities: this.counters.snapshot(),
      retries: this.counters.retries,
      nextRetryAtMs: this.state === 'backoff' ? this.nextRetryAtMs : undefined,
      lastError: this.lastError,
    };
  }

  sentBySource(): ReturnType<PumpCounters['sentBySource']> {
    return this.counters.sentBySource();
  }

  queues(): Promise<readonly QueueInfo[]> {
    return this.o.store.queues(this.endpointId);
  }

  async stop(): Promise<void> {
    this.signals.stop();
    this.inflight?.abort(new Error('pump stopped'));
    for (const c of this.ahead) c.abort(new Error('pump stopped'));
    await this.loop;
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.signals.isStopped) {
      try {
        this.signals.clearNotified();
        const batch = await this.nextBatch();
        if (batch === undefined) {
          this.state = 'idle';
          await this.signals.wait('idle', this.o.idleRecheckMs ?? 10_000);
        } else if (this.o.ordering.kind === 'in-order') {
          const rest = await this.deliverAhead(batch);
          if (rest !== undefined) await this.deliver(rest);
        } else await this.deliver(batch);
        failures = 0;
      } catch (e) {
        // The store failed (or a sender broke its contract): keep the messages, back off, try again.
        if (this.signals.isStopped) break;
        this.lastError = e instanceof Error ? e.message : String(e);
        this.o.log?.warn({ endpointId: this.endpointId, err: e }, 'endpoint pump failed; backing off');
        await this.backoff(failures++);
      }
    }
    this.state = 'stopped';
  }

  /** The next batch of the highest-priority queue with live entries; retires runs of expired entries on the way. */
  private async nextBatch(): Promise<Batch | undefined> {
    const batchSize = this.readBatchSize();
    for (const q of await this.o.store.queues(this.endpointId)) {
      if (q.length === 0) continue;
      const key = `${q.priority}`;
      const resolved = this.resolvedThrough.get(key);
      if (resolved !== undefined && resolved > q.checkpoint) await this.o.store.checkpoint(q, resolved); // throws: back off, no resend
      this.resolvedThrough.delete(key);
      if (resolved !== undefined && resolved >= q.nextOffset - 1) continue;
      let from = Math.max(q.checkpoint, resolved ?? -1) + 1;
      for (;;) {
        const r = await this.o.store.read(q, from, batchSize);
        this.countReadExpired(q.priority, r.expired, r.nextOffset - 1);
        if (r.entries.length > 0) return { queue: q, checkpoint: from - 1, entries: r.entries, throughOffset: r.nextOffset - 1 };
        if (r.expired.length === 0) break;
        await this.o.store.checkpoint(q, r.nextOffset - 1);
        from = r.nextOffset;
      }
    }
    return undefined;
  }

  /** Sends a batch until every entry is delivered or dropped, retrying with backoff; checkpoints as it goes. */
  private async deliver(batch: Batch): Promise<void> {
    let open: readonly QueueEntry[] = batch.entries;
    let checkpointed = batch.checkpoint;
    for (let attempt = 0; ; ) {
      open = this.dropExpired(batch.queue.priority, open);
      if (open.length > 0) {
        this.state = 'sending';
        const outcomes = await attemptDelivery(open, this.o.ordering, (entries) => this.send(entries));
        if (this.signals.isStopped) return;
        open = this.settle(batch.queue.priority, open, outcomes);
      }
      // Retire the resolved prefix now, so a restart does not resend it (later resolved entries wait: one offset).
      const through = open.length > 0 ? open[0]!.offset - 1 : batch.throughOffset;
      if (through > checkpointed) {
        this.resolvedThrough.set(`${batch.queue.priority}`, through);
        await this.o.store.checkpoint(batch.queue, through);
        this.resolvedThrough.delete(`${batch.queue.priority}`);
        checkpointed = through;
      }
      if (open.length === 0) return;
      this.counters.retries += 1;
      if (this.signals.takeWoken()) attempt = 0;
      else if ((await this.backoff(attempt++)) === 'wake') attempt = 0;
      if (this.signals.isStopped) return;
    }
  }

  /**
   * In-order endpoints (module inputs, issue 8): while the oldest batch handed to the sender waits for its
   * acknowledgements, the next ones of the same queue (up to {@link inOrderDepth} in all) are read and handed over
   * too, and the sender publishes them behind it through one sliding window, so the connection does not run dry at
   * batch boundaries (a client's delayed PUBACKs cost ~40 ms each time it does). Outcomes apply strictly in batch
   * order and a batch is checkpointed only after the ones before it (highest contiguous resolved offset); the
   * checkpoint of one batch overlaps reading and sending the next. At a retryable failure every batch read ahead is
   * cancelled and forgotten (read and sent again after the retry) and the failed batch's unresolved rest is returned
   * for `deliver` to retry; undefined once no batch is left. A higher-priority queue with messages ends the
   * read-ahead, so the next `nextBatch` picks it.
   */
  private async deliverAhead(first: Batch): Promise<Batch | undefined> {
    const key = `${first.queue.priority}`;
    const sent: { batch: Batch; sending: AheadSend }[] = [{ batch: first, sending: this.sendAhead(first.entries) }];
    let checkpointed = first.checkpoint;
    // The checkpoint under way (settles with its error, if any: awaited before the next one and before returning).
    let retiring: Promise<unknown> | undefined;
    const retired = async (): Promise<void> => {
      const pending = retiring;
      retiring = undefined;
      const err = await pending;
      if (err !== undefined) throw err;
    };
    try {
      while (sent.length > 0) {
        this.state = 'sending';
        const head = sent[0]!;
        let results: readonly SendOutcome[] | undefined;
        while (results === undefined) {
          this.aheadNotified = false;
          while (sent.length < inOrderDepth && !this.signals.isStopped) {
            const more = await this.readAhead(sent[sent.length - 1]!.batch);
            if (more === undefined) break;
            sent.push({ batch: more, sending: this.sendAhead(more.entries) });
          }
          if (sent.length >= inOrderDepth || this.signals.isStopped) results = await head.sending.result;
          else if (!this.aheadNotified) results = await this.resultOrNotify(head.sending.result);
        }
        if (this.signals.isStopped) {
          await cancelAhead(sent.slice(1));
          await retiring;
          return undefined;
        }
        const outcomes = new Map<number, SendOutcome>();
        head.batch.entries.forEach((e, i) => outcomes.set(e.offset, results[i] ?? { kind: 'retryable', reason: 'no outcome' }));
        const open = this.settle(head.batch.queue.priority, head.batch.entries, outcomes);
        const through = open.length > 0 ? open[0]!.offset - 1 : head.batch.throughOffset;
        if (open.length > 0) await cancelAhead(sent.splice(1));
        try {
          await retired();
        } catch (e) {
          // The previous checkpoint failed: this batch's resolved prefix joins what `nextBatch` checkpoints before
          // reading again, so neither is sent again (issue 7); only batches not resolved yet are read and sent again.
          if (through > checkpointed) this.resolvedThrough.set(key, through);
          throw e;
        }
        if (through > checkpointed) {
          this.resolvedThrough.set(key, through);
          retiring = this.o.store.checkpoint(head.batch.queue, through).then(
            () => void this.resolvedThrough.delete(key),
            (e: unknown) => e ?? new Error('checkpoint failed'),
          );
          checkpointed = through;
        }
        if (open.length > 0) {
          await retired();
          return { queue: head.batch.queue, checkpoint: checkpointed, entries: open, throughOffset: head.batch.throughOffset };
        }
        sent.shift();
      }
      await retired();
      return undefined;
    } catch (e) {
      await cancelAhead(sent);
      await retiring;
      throw e;
    }
  }

  /** `result` once settled, or undefined as soon as new messages are appended (so they are read ahead at once). */
  private async resultOrNotify(result: Promise<readonly SendOutcome[]>): Promise<readonly SendOutcome[] | undefined> {
    const notified = new Promise<undefined>((resolve) => (this.aheadWaiter = () => resolve(undefined)));
    try {
      return await Promise.race([result, notified]);
    } finally {
      this.aheadWaiter = undefined;
    }
  }

  /** The batch after `after` in the same queue, unless a higher-priority queue has messages; expired runs end it. */
  private async readAhead(after: Batch): Promise<Batch | undefined> {
    const first = (await this.o.store.queues(this.endpointId)).find((q) => q.length > 0);
    if (first === undefined || first.priority !== after.queue.priority || after.throughOffset >= first.nextOffset - 1) return undefined;
    const r = await this.o.store.read(after.queue, after.throughOffset + 1, this.readBatchSize());
    this.countReadExpired(after.queue.priority, r.expired, r.nextOffset - 1);
    if (r.entries.length === 0 || r.expired.length > 0) return undefined; // expired entries: `nextBatch` retires them
    return { queue: after.queue, checkpoint: after.throughOffset, entries: r.entries, throughOffset: r.nextOffset - 1 };
  }

  /** The pump's option, else the ordering's, else 100 (iotedge 10 × fan-out). */
  private readBatchSize(): number {
    return this.o.readBatchSize ?? (this.o.ordering.kind === 'per-sender' ? this.o.ordering.readBatchSize : undefined) ?? 100;
  }

  private sendAhead(entries: readonly QueueEntry[]): AheadSend {
    const controller = new AbortController();
    this.ahead.add(controller);
    const result = sendOnce(this.o.sender, entries, controller, this.clock, this.o.sendTimeoutMs ?? 30_000).finally(() => this.ahead.delete(controller));
    return { controller, result };
  }

  /**
   * Applies outcomes: counts sent and permanently failed entries, returns those still to retry. The last error is
   * the first failure's reason: the entries behind it were only not attempted (or failed because it did).
   */
  private settle(priority: number, open: readonly QueueEntry[], outcomes: ReadonlyMap<number, SendOutcome>): QueueEntry[] {
    const retry: QueueEntry[] = [];
    let failure: string | undefined;
    for (const e of open) {
      const o = outcomes.get(e.offset);
      if (o?.kind === 'ok') this.counters.sentMessage(priority, e.message);
      else if (o?.kind === 'parked') this.counters.parked(priority);
      else if (o?.kind === 'permanent') {
        this.counters.dropped(priority, 'permanent');
        this.o.log?.warn({ endpointId: this.endpointId, edgeMessageId: e.edgeMessageId, reason: o.reason }, 'message dropped: the endpoint refused it permanently');
      } else {
        retry.push(e);
        if (failure === undefined && o !== undefined && o !== notAttempted) failure = o.reason;
      }
    }
    if (failure !== undefined) this.lastError = failure;
    return retry;
  }

  /** Drops (and counts) the entries whose TTL passed while they waited for a retry. */
  private dropExpired(priority: number, open: readonly QueueEntry[]): readonly QueueEntry[] {
    const now = this.clock.nowMs();
    const live = open.filter((e) => !isExpired(e, now));
    this.counters.dropped(priority, 'ttl_expiry', open.length - live.length);
    return live;
  }

  private countReadExpired(priority: number, expired: readonly ExpiredEntry[], through: number): void {
    const mark = this.readThrough.get(priority) ?? -1;
    this.counters.dropped(priority, 'ttl_expiry', expired.filter((e) => e.offset > mark).length);
    if (through > mark) this.readThrough.set(priority, through);
  }

  private async send(entries: readonly QueueEntry[]): Promise<readonly SendOutcome[]> {
    const controller = new AbortController();
    this.inflight = controller;
    try {
      return await sendOnce(this.o.sender, entries, controller, this.clock, this.o.sendTimeoutMs ?? 30_000);
    } finally {
      if (this.inflight === controller) this.inflight = undefined;
    }
  }

  private async backoff(attempt: number): Promise<WaitEnd> {
    const delay = backoffDelayMs(attempt + 1, this.o.retry ?? RECONNECT_BACKOFF, (this.o.random ?? Math.random)());
    this.state = 'backoff';
    this.nextRetryAtMs = this.clock.nowMs() + delay;
    const why = await this.signals.wait('backoff', delay);
    this.nextRetryAtMs = undefined;
    return why;
  }
}

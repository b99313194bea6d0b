import { VergeError, type CleanupResult, type Clock, type MessageStore } from '@verge/contracts';
import { systemClock } from '@verge/platform';
import { createEndpointPump, type EndpointPump, type EndpointPumpOptions, type EndpointPumpStatus, type PumpLog } from './endpoint-pump.js';
import type { DeliveryOrdering, EndpointSender } from './endpoint-sender.js';
import type { KeyedCount } from '../keyed-counts.js';

/** Options shared by every pump of a registry. */
export type PumpDefaults = Partial<Pick<EndpointPumpOptions, 'retry' | 'random' | 'readBatchSize' | 'sendTimeoutMs' | 'idleRecheckMs'>>;

/** Options of {@link createEndpointPumps}. */
export interface EndpointPumpsOptions {
  readonly store: MessageStore;
  /** Default the system clock; tests drive time by hand. */
  readonly clock?: Clock;
  /**
   * How often expired entries are removed from the store (iotedge `MessageCleanupIntervalSecs`, default 1800 s; at
   * least 30 s, reference §4). Reads skip expired entries in between, so this only bounds disk use.
   */
  readonly cleanupIntervalMs?: number;
  readonly pumpDefaults?: PumpDefaults;
  readonly log?: PumpLog;
}

/** The pumps of a hub, one per endpoint, plus the periodic store cleanup that feeds their `ttl_expiry` counters. */
export interface EndpointPumps {
  /** Starts a pump for an endpoint. Throws `HUB_PUMP_DUPLICATE` if it already has one (remove it first to change its sender). */
  add(endpointId: string, sender: EndpointSender, ordering: DeliveryOrdering): EndpointPump;
  /** Stops and forgets an endpoint's pump; its queued messages stay in the store. */
  remove(endpointId: string): Promise<void>;
  get(endpointId: string): EndpointPump | undefined;
  /** Messages were appended for these endpoints (call after `append` resolved). */
  notify(endpointIds: Iterable<string>): void;
  /** The endpoint is reachable again: its pump retries now. */
  wake(endpointId: string): void;
  /** Runs a store cleanup now and attributes the removed expired entries to the pumps. */
  cleanup(): Promise<CleanupResult>;
  /** Expired entries cleanup removed from queues of endpoints that have no pump. */
  readonly unpumpedExpired: number;
  status(): EndpointPumpStatus[];
  /** Accepted messages per endpoint, priority and sender (`edgehub_messages_sent_total`). */
  sentBySource(): { readonly endpointId: string; readonly priority: number; readonly counts: readonly KeyedCount[] }[];
  /** Stops every pump and the cleanup timer. */
  stop(): Promise<void>;
}

const minCleanupIntervalMs = 30_000;

/** Creates the registry and schedules the first cleanup. */
export function createEndpointPumps(options: EndpointPumpsOptions): EndpointPumps {
  return new Pumps(options);
}

class Pumps implements EndpointPumps {
  private readonly pumps = new Map<string, EndpointPump>();
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private cancelCleanup: () => void = () => undefined;
  private stopped = false;
  unpumpedExpired = 0;

  constructor(private readonly o: EndpointPumpsOptions) {
    this.clock = o.clock ?? systemClock;
    this.intervalMs = Math.max(minCleanupIntervalMs, o.cleanupIntervalMs ?? 1_800_000);
    this.scheduleCleanup();
  }

  add(endpointId: string, sender: EndpointSender, ordering: DeliveryOrdering): EndpointPump {
    if (this.pumps.has(endpointId)) throw new VergeError('HUB_PUMP_DUPLICATE', `endpoint "${endpointId}" already has a delivery pump: remove it before adding another`);
    const pump = createEndpointPump({ ...this.o.pumpDefaults, endpointId, sender, ordering, store: this.o.store, clock: this.clock, ...(this.o.log ? { log: this.o.log } : {}) });
    this.pumps.set(endpointId, pump);
    pump.start();
    return pump;
  }

  async remove(endpointId: string): Promise<void> {
    const pump = this.pumps.get(endpointId);
    this.pumps.delete(endpointId);
    await pump?.stop();
  }

  get(endpointId: string): EndpointPump | undefined {
    return this.pumps.get(endpointId);
  }

  notify(endpointIds: Iterable<string>): void {
    for (const id of endpointIds) this.pumps.get(id)?.notify();
  }

  wake(endpointId: string): void {
    this.pumps.get(endpointId)?.wake();
  }

  async cleanup(): Promise<CleanupResult> {
    const result = await this.o.store.cleanup();
    for (const r of result.expired) {
      const pump = this.pumps.get(r.endpointId);
      if (pump === undefined) this.unpumpedExpired += r.count;
      else pump.recordCleanup(r.priority, r.offsets);
    }
    return result;
  }

  sentBySource(): { readonly endpointId: string; readonly priority: number; readonly counts: readonly KeyedCount[] }[] {
    return [...this.pumps.values()].flatMap((p) => p.sentBySource().map((s) => ({ endpointId: p.endpointId, ...s })));
  }

  status(): EndpointPumpStatus[] {
    return [...this.pumps.values()].map((p) => p.status()).sort((a, b) => (a.endpointId < b.endpointId ? -1 : a.endpointId > b.endpointId ? 1 : 0));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelCleanup();
    const all = [...this.pumps.values()];
    this.pumps.clear();
    await Promise.all(all.map((p) => p.stop()));
  }

  private scheduleCleanup(): void {
    this.cancelCleanup = this.clock.setTimer(() => {
      if (this.stopped) return;
      this.cleanup()
        .catch((e: unknown) => this.o.log?.warn({ err: e }, 'message store cleanup failed; retrying at the next interval'))
        .finally(() => {
          if (!this.stopped) this.scheduleCleanup();
        });
    }, this.intervalMs);
  }
}

import type { ChangeEventDto, ChangeKind, Clock } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type { EventBus } from '../events/event-bus.js';

/** How `createChangeFeed` coalesces. */
export interface ChangeFeedSettings {
  /** Changes are sent in batches at most this often, so one key gets at most one event per window. */
  readonly windowMs: number;
  /** A kind with more changed keys than this in one window is sent as one `{ kind, all: true }`. */
  readonly maxKeysPerKind: number;
}

/** One event per key every 250 ms; more than 50 keys of a kind in a window become one `all`. */
export const defaultChangeFeedSettings: ChangeFeedSettings = { windowMs: 250, maxKeysPerKind: 50 };

/** The cloud's change events, coalesced, for every open `GET /events/changes` of this instance. */
export interface ChangeFeed {
  /** `listener` gets each window's batch; returns the unsubscribe function. */
  subscribe(listener: (batch: readonly ChangeEventDto[]) => void): () => void;
}

type Pending = Map<ChangeKind, Map<string, ChangeEventDto>>;

const KINDS: readonly ChangeKind[] = ['twin', 'connection', 'identity', 'configuration', 'rollout', 'job'];

function identityFields(id: ClientIdentity): { deviceId: string; moduleId?: string } {
  return id.moduleId === undefined ? { deviceId: id.deviceId } : { deviceId: id.deviceId, moduleId: id.moduleId };
}

function keyOf(e: ChangeEventDto): string {
  return JSON.stringify([e.deviceId, e.moduleId, e.configurationId, e.jobId]);
}

/** Folds a later change of the same key into the pending one: twin sections add up, states take the last value. */
function merge(old: ChangeEventDto | undefined, next: ChangeEventDto): ChangeEventDto {
  if (old?.sections === undefined || next.sections === undefined) return next;
  const sections = [...new Set([...old.sections, ...next.sections])].sort();
  return { ...next, sections };
}

/**
 * Subscribes to the bus's change topics while at least one listener is registered (each instance sees the
 * changes of every other instance when a bus is configured: those topics cross NATS). Events only name what
 * changed, built field by field from the bus payload so nothing else (keys, properties) can leak into them. A
 * burst is coalesced: the first change after a quiet period starts a window of `windowMs`; at its end every key
 * changed in it is sent once, and a kind with more than `maxKeysPerKind` keys as one `{ kind, all: true }` (a
 * deployment evaluation over 10 000 devices is one twin event per window, not 10 000).
 */
export function createChangeFeed(bus: EventBus, clock: Pick<Clock, 'setTimer'>, settings: ChangeFeedSettings): ChangeFeed {
  const listeners = new Set<(batch: readonly ChangeEventDto[]) => void>();
  let pending: Pending = new Map();
  let cancelTimer: (() => void) | undefined;
  let unsubscribeBus: (() => void) | undefined;

  const flush = (): void => {
    cancelTimer = undefined;
    const batch: ChangeEventDto[] = [];
    for (const kind of KINDS) {
      const keys = pending.get(kind);
      if (keys === undefined) continue;
      if (keys.size > settings.maxKeysPerKind) batch.push({ kind, all: true });
      else batch.push(...keys.values());
    }
    pending = new Map();
    for (const listener of [...listeners]) listener(batch);
  };
  const add = (e: ChangeEventDto): void => {
    let keys = pending.get(e.kind);
    if (keys === undefined) pending.set(e.kind, (keys = new Map()));
    // Past the threshold the ids no longer matter: stop keeping them (the window sends `all`).
    if (keys.size > settings.maxKeysPerKind) return;
    const key = keyOf(e);
    keys.set(key, merge(keys.get(key), e));
    cancelTimer ??= clock.setTimer(flush, settings.windowMs);
  };
  const subscribeBus = (): (() => void) => {
    const offs = [
      bus.subscribe('twinChanged', (e) => {
        const sections = (['tags', 'desired', 'reported'] as const).filter((s) => e[s]);
        add({ kind: 'twin', ...identityFields(e.id), sections });
      }),
      bus.subscribe('connectionChanged', (e) => add({ kind: 'connection', ...identityFields(e.id), connected: e.connected })),
      bus.subscribe('identityChanged', (e) => add({ kind: 'identity', ...identityFields(e.id), change: e.change })),
      bus.subscribe('configurationChanged', (e) => add({ kind: 'configuration', configurationId: e.id, change: e.change })),
      bus.subscribe('rolloutChanged', (e) => add({ kind: 'rollout', configurationId: e.configurationId })),
      bus.subscribe('jobChanged', (e) => add({ kind: 'job', jobId: e.jobId })),
    ];
    return () => offs.forEach((off) => off());
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      unsubscribeBus ??= subscribeBus();
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        unsubscribeBus?.();
        unsubscribeBus = undefined;
        cancelTimer?.();
        cancelTimer = undefined;
        pending = new Map();
      };
    },
  };
}

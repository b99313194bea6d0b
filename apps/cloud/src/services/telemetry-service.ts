import { createC2dFeedback } from './c2d-feedback.js';
import { purgeServiceBound } from './service-bound-retention.js';
import type { Message, TelemetryMessageDto } from '@verge/contracts';
import type { RetentionLimits, TelemetryFilter } from '../store/ports.js';
import type { TelemetryRecord } from '../store/records.js';
import type { ServiceContext } from './context.js';

/** Retention of device-to-cloud messages (whichever bound is hit first drops the oldest messages). */
export interface TelemetryRetention {
  readonly maxCount: number;
  readonly maxBytes: number;
  readonly maxAgeSec: number;
  /** How often age-based pruning (and C2D expiry) runs. */
  readonly pruneIntervalMs: number;
}

/** Telemetry ingestion, retention and reads. */
export interface TelemetryService {
  /**
   * Stores a message (its `connectionDeviceId`/`connectionModuleId`/`enqueuedTime` already set) and announces it;
   * resolves once it is committed (group commit, `TelemetryStore.append`).
   */
  ingest(message: Message): Promise<TelemetryRecord>;
  recent(filter: TelemetryFilter, limit: number, beforeSequence?: number): Promise<TelemetryRecord[]>;
  after(filter: TelemetryFilter, afterSequence: number, limit: number): Promise<TelemetryRecord[]>;
  /** Runs one retention pass now; returns how many messages were dropped. */
  pruneNow(): Promise<number>;
  /**
   * Starts the periodic retention pass (idempotent). `held`: when several instances share the store, a pass runs
   * only while this instance holds the retention lease (`Lease.hold`, renewed by each call).
   */
  start(held?: () => Promise<boolean>): void;
  stop(): void;
}

// Activity timestamps are written at most this often per identity, so telemetry costs one write, not two.
const ACTIVITY_WRITE_INTERVAL_MS = 5_000;

/** Builds the telemetry service. */
export function createTelemetryService(ctx: ServiceContext, retention: TelemetryRetention): TelemetryService {
  const { store, bus, clock, log } = ctx;
  const feedback = createC2dFeedback(ctx);
  const lastActivityWrite = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;

  const limits = (): RetentionLimits => ({
    maxCount: retention.maxCount,
    maxBytes: retention.maxBytes,
    olderThanMs: clock.nowMs() - retention.maxAgeSec * 1000,
  });

  const touch = (deviceId: string, moduleId: string | undefined, atMs: number): void => {
    const key = moduleId === undefined ? deviceId : `${deviceId}/${moduleId}`;
    if (atMs - (lastActivityWrite.get(key) ?? 0) < ACTIVITY_WRITE_INTERVAL_MS) return;
    lastActivityWrite.set(key, atMs);
    // Activity is informational: not awaited, so it never holds up a PUBACK.
    const write = moduleId === undefined ? store.devices.touch(deviceId, atMs) : store.modules.touch(deviceId, moduleId, atMs);
    write.catch((err: unknown) => log.warn({ err, deviceId, moduleId }, 'last activity could not be recorded'));
  };

  // One inline prune at a time: appends that find the store over a limit meanwhile do not start another.
  let pruning: Promise<unknown> | undefined;
  const pruneInline = (): void => {
    if (pruning !== undefined) return;
    pruning = store.telemetry
      .prune(limits())
      .catch((err: unknown) => log.error({ err }, 'retention pass failed'))
      .finally(() => {
        pruning = undefined;
      });
  };

  // Appends committed together (one group commit) share one stats read: on PostgreSQL each read is a round trip,
  // and one per message cost as much as the append itself. The read is not awaited by the append: the PUBACK waits
  // for the commit only, not for a round trip more (on SQLite the read answers at once, so the check still runs
  // before the caller resumes). A message whose append landed while a read was already in flight sees figures from
  // just before it; the next read (or the periodic pass) catches up.
  let statsRead: Promise<void> | undefined;
  const checkRetention = (): void => {
    statsRead ??= store.telemetry
      .stats()
      .then((s) => {
        // Prune inline only once the store is past a limit by 1%: a pass scans by age, so pruning on every message
        // at the limit would cost a table scan per message. The timer still enforces the limits every interval.
        if (s.count > overLimit(retention.maxCount) || s.bytes > overLimit(retention.maxBytes)) pruneInline();
      })
      .catch((err: unknown) => log.warn({ err }, 'telemetry retention check failed'))
      .finally(() => {
        statsRead = undefined;
      });
  };

  const pruneNow = async (): Promise<number> => {
    const dropped = await store.telemetry.prune(limits());
    const expired = await store.c2d.purgeExpired(clock.nowMs());
    await feedback.expired(expired);
    const unread = await purgeServiceBound(store, clock.nowMs());
    if (dropped > 0 || expired.length > 0 || unread > 0) log.debug({ dropped, expiredC2d: expired.length, unreadServiceBound: unread }, 'retention pass');
    return dropped;
  };

  // The endpoint stamps `enqueuedTime` from one clock reading per millisecond (the same string for every message of
  // it), so its parse is remembered: per message a comparison instead of `Date.parse`.
  let lastEnqueuedIso: string | undefined;
  let lastEnqueuedMs = Number.NaN;
  const enqueuedMs = (iso: string | undefined, now: number): number => {
    if (iso !== lastEnqueuedIso) {
      lastEnqueuedIso = iso;
      lastEnqueuedMs = Date.parse(iso ?? '');
    }
    return Number.isFinite(lastEnqueuedMs) ? lastEnqueuedMs : now;
  };

  return {
    // One reaction on the append (no async function around it): per message one promise and one closure fewer.
    ingest(message) {
      const now = clock.nowMs();
      const system = message.systemProperties;
      const deviceId = system['connectionDeviceId'] ?? '';
      const moduleId = system['connectionModuleId'];
      let appended: Promise<TelemetryRecord>;
      try {
        const enqueuedAtMs = enqueuedMs(system['enqueuedTime'], now);
        appended = store.telemetry.append(
          moduleId === undefined || moduleId === '' ? { deviceId, enqueuedAtMs, message } : { deviceId, moduleId, enqueuedAtMs, message },
        );
      } catch (err) {
        return Promise.reject(err); // as the async function did: a failure is a rejection, never a throw
      }
      return appended.then((record) => {
        checkRetention();
        touch(deviceId, record.moduleId, now);
        bus.publish('telemetry', { record });
        return record;
      });
    },
    recent: (filter, limit, before) => store.telemetry.recent(filter, limit, before),
    after: (filter, afterSequence, limit) => store.telemetry.after(filter, afterSequence, limit),
    pruneNow,
    start(held = () => Promise.resolve(true)) {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        held()
          .then((mine) => (mine ? pruneNow() : 0))
          .catch((err: unknown) => log.error({ err }, 'retention pass failed'));
      }, retention.pruneIntervalMs);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}

/** A retention limit plus the 1% slack allowed before an inline prune (at least one unit). */
function overLimit(limit: number): number {
  return limit + Math.max(1, Math.floor(limit / 100));
}

/** A stored message as the REST API and the event stream show it. */
export function telemetryToDto(r: TelemetryRecord): TelemetryMessageDto {
  return {
    sequenceNumber: r.sequenceNumber,
    deviceId: r.deviceId,
    ...(r.moduleId === undefined ? {} : { moduleId: r.moduleId }),
    enqueuedTime: new Date(r.enqueuedAtMs).toISOString(),
    systemProperties: { ...r.message.systemProperties },
    properties: { ...r.message.properties },
    body: Buffer.from(r.message.body.buffer, r.message.body.byteOffset, r.message.body.byteLength).toString('base64'),
  };
}

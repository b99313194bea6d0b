import { randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import { GroupCommit } from '../group-commit.js';
import type { TelemetryEntry, TelemetryFilter, TelemetryStore } from '../ports.js';
import type { TelemetryRecord } from '../records.js';
import { filterKind, type FilterKind } from '../telemetry-filter.js';
import { messageSizeBytes } from '../sqlite/message-columns.js';
import { run } from './pg-queryable.js';
import { commitTelemetryBatch, TELEMETRY_TOTALS_SHARDS, type TelemetryReservation } from './telemetry-batch.js';
import { DEFAULT_STALE_RESERVATION_MS, horizonSql } from './telemetry-horizon.js';
import { pruneTelemetry } from './telemetry-prune.js';

interface TelemetryRow {
  seq: number;
  device_id: string;
  module_id: string | null;
  enqueued_at: number;
  body: Buffer;
  properties: Record<string, string>;
  system_properties: Record<string, string>;
  size: number;
}

function toRecord(r: TelemetryRow): TelemetryRecord {
  return {
    sequenceNumber: r.seq,
    deviceId: r.device_id,
    ...(r.module_id === null ? {} : { moduleId: r.module_id }),
    enqueuedAtMs: r.enqueued_at,
    message: { body: r.body, properties: r.properties, systemProperties: r.system_properties },
    sizeBytes: r.size,
  };
}

// $1 device id, $2 module id (unused ones are NULL). A device filter alone matches the device's and its modules'.
const whereOf: Record<FilterKind, string> = {
  all: '($1::text IS NULL AND $2::text IS NULL)',
  device: 'device_id = $1 AND $2::text IS NULL',
  deviceModule: 'device_id = $1 AND module_id = $2',
  module: '$1::text IS NULL AND module_id = $2',
};

/** Options of the PostgreSQL telemetry store. */
export interface PgTelemetryOptions {
  readonly maxBatch?: number;
  readonly maxInFlight?: number;
  /** After this long a reservation of a batch that has not committed stops holding readers back (default 30 s). */
  readonly staleReservationMs?: number;
  /** Names this store in its reservations (default host name and process id). */
  readonly instance?: string;
  /** Awaited between a batch's INSERT and its COMMIT: tests hold a batch open with it. */
  readonly afterInsert?: (reservation: TelemetryReservation) => Promise<void>;
  /**
   * The first of this store's totals shards (default: drawn at random, so instances rarely share one). Tests that hold
   * a batch open give each store its own: another store's batch on the held one's shard waits for its COMMIT.
   */
  readonly firstShard?: number;
}

/**
 * PostgreSQL implementation of `TelemetryStore`. Appends group commit (`GroupCommit`): one transaction and one
 * multi-row INSERT per batch, each append resolving after COMMIT. Batches of several instances commit in parallel,
 * with no lock between them (`telemetry-batch.ts`): each reserves its sequence numbers first, and readers see only
 * the rows below the oldest live reservation (`telemetry-horizon.ts`). Count, bytes and the last sequence number
 * are sums and maxima over `telemetry_totals_shards`, moved in the batches' transactions, so every instance sees
 * the same figures without a hot row.
 */
export function createPgTelemetryStore(pool: Pool, options: PgTelemetryOptions = {}): TelemetryStore & { drain(): Promise<void> } {
  const staleMs = options.staleReservationMs ?? DEFAULT_STALE_RESERVATION_MS;
  const maxInFlight = options.maxInFlight ?? 2;
  const staleSec = staleMs / 1000;
  const instance = options.instance ?? `${hostname()}/${process.pid}`;
  // This store's totals shards, one per batch in flight: instances rarely share one (sharing only waits).
  const firstShard = (options.firstShard ?? randomInt(TELEMETRY_TOTALS_SHARDS)) % TELEMETRY_TOTALS_SHARDS;
  let batchNumber = 0;
  const shardOf = (n: number): number => (firstShard + n) % TELEMETRY_TOTALS_SHARDS;
  // Within this instance, batches reserve in the order they were flushed (a device's messages, all on this
  // instance, keep their order in the sequence) and resolve in that order; their INSERTs and COMMITs overlap.
  let lastReserved: Promise<void> = Promise.resolve();
  let lastSettled: Promise<void> = Promise.resolve();
  const commit = async (entries: readonly TelemetryEntry[]): Promise<TelemetryRecord[]> => {
    const [previousReserved, previousSettled] = [lastReserved, lastSettled];
    const shard = shardOf(batchNumber++ % maxInFlight);
    let reserved = (): void => undefined;
    let settled = (): void => undefined;
    lastReserved = new Promise<void>((resolve) => (reserved = resolve));
    lastSettled = new Promise<void>((resolve) => (settled = resolve));
    try {
      await previousReserved;
      const sizes = entries.map((e) => messageSizeBytes(e.message));
      const outcome = await commitTelemetryBatch(pool, entries, sizes, { instance, staleMs, shard, reserved, ...(options.afterInsert ? { afterInsert: options.afterInsert } : {}) }).then(
        (r) => ({ r }),
        (error: unknown) => ({ error }),
      );
      await previousSettled;
      if ('error' in outcome) throw outcome.error;
      return entries.map((e, i) => ({ ...e, sequenceNumber: outcome.r.lo + i, sizeBytes: sizes[i] ?? 0 }));
    } finally {
      reserved();
      settled();
    }
  };
  const batches = new GroupCommit<TelemetryEntry, TelemetryRecord>(commit, {
    maxBatch: options.maxBatch ?? 1000,
    maxInFlight,
  });
  const horizon = horizonSql('$5');
  return {
    append: (entry) => batches.add(entry),
    async recent(filter, limit, beforeSequence) {
      const kind = filterKind(filter);
      const { rows } = await run<TelemetryRow>(
        pool,
        `telemetry-recent-${kind}`,
        `SELECT * FROM telemetry WHERE ${whereOf[kind]} AND seq < LEAST($3::bigint, ${horizon}) ORDER BY seq DESC LIMIT $4`,
        [...filterParams(filter), beforeSequence ?? Number.MAX_SAFE_INTEGER, limit, staleSec],
      );
      return rows.reverse().map(toRecord);
    },
    async after(filter, afterSequence, limit) {
      const kind = filterKind(filter);
      const { rows } = await run<TelemetryRow>(
        pool,
        `telemetry-after-${kind}`,
        `SELECT * FROM telemetry WHERE ${whereOf[kind]} AND seq > $3 AND seq < ${horizon} ORDER BY seq LIMIT $4`,
        [...filterParams(filter), afterSequence, limit, staleSec],
      );
      return rows.map(toRecord);
    },
    prune: (limits) => pruneTelemetry(pool, limits, staleMs, shardOf(maxInFlight)),
    async stats() {
      // lastSequence stops below the horizon: every row up to it that will ever commit is readable.
      const { rows } = await run<{ count: number; bytes: number; last_sequence: number }>(
        pool,
        'telemetry-stats',
        `SELECT COALESCE(SUM(count), 0)::bigint AS count, COALESCE(SUM(bytes), 0)::bigint AS bytes,
          LEAST(COALESCE(MAX(last_sequence), 0), ${horizonSql('$1')} - 1) AS last_sequence FROM telemetry_totals_shards`,
        [staleSec],
      );
      const t = rows[0];
      return { count: t?.count ?? 0, bytes: t?.bytes ?? 0, lastSequence: t?.last_sequence ?? 0 };
    },
    drain: () => batches.drain(),
  };
}

function filterParams(f: TelemetryFilter): [string | null, string | null] {
  return [f.deviceId ?? null, f.moduleId ?? null];
}

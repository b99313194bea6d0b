import type { Pool } from 'pg';
import { GroupCommit } from '../group-commit.js';
import type { RetentionLimits, TelemetryEntry, TelemetryFilter, TelemetryStore } from '../ports.js';
import type { TelemetryRecord } from '../records.js';
import { messageSizeBytes } from '../sqlite/message-columns.js';
import { TELEMETRY_LOCK_CLASS } from './pg-advisory-locks.js';
import { run, type PgQueryable } from './pg-queryable.js';
import { inPgTransaction } from './pg-transaction.js';

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

type FilterKind = 'all' | 'device' | 'deviceModule' | 'module';

function filterKind(f: TelemetryFilter): FilterKind {
  if (f.deviceId !== undefined) return f.moduleId !== undefined ? 'deviceModule' : 'device';
  return f.moduleId !== undefined ? 'module' : 'all';
}

// $1 device id, $2 module id (unused ones are NULL). A device filter alone matches the device's and its modules'.
const whereOf: Record<FilterKind, string> = {
  all: '($1::text IS NULL AND $2::text IS NULL)',
  device: 'device_id = $1 AND $2::text IS NULL',
  deviceModule: 'device_id = $1 AND module_id = $2',
  module: '$1::text IS NULL AND module_id = $2',
};

// One statement per batch: rows in arrival order (ORDER BY the ordinality, so sequence numbers follow it), and the
// running totals moved in the same transaction. The batch's transaction took the telemetry lock first.
const insertBatch = `WITH ins AS (
  INSERT INTO telemetry (device_id, module_id, enqueued_at, body, properties, system_properties, size)
  SELECT d, m, e, b, p::jsonb, s::jsonb, z
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[], $5::text[], $6::text[], $7::int[]) WITH ORDINALITY AS t(d, m, e, b, p, s, z, o)
  ORDER BY o
  RETURNING seq, size
), totals AS (
  UPDATE telemetry_totals SET count = count + (SELECT COUNT(*) FROM ins), bytes = bytes + (SELECT COALESCE(SUM(size), 0) FROM ins),
    last_sequence = GREATEST(last_sequence, (SELECT MAX(seq) FROM ins))
)
SELECT seq FROM ins ORDER BY seq`;

// Deletes the prefix of the sequence up to $1 and moves the totals with it.
const deleteUpTo = `WITH del AS (DELETE FROM telemetry WHERE seq <= $1 RETURNING size),
upd AS (UPDATE telemetry_totals SET count = count - (SELECT COUNT(*) FROM del), bytes = bytes - (SELECT COALESCE(SUM(size), 0) FROM del))
SELECT COUNT(*)::int AS n FROM del`;

/** Options of the PostgreSQL telemetry store's group commit. */
export interface PgTelemetryOptions {
  readonly maxBatch?: number;
  readonly maxInFlight?: number;
}

/**
 * PostgreSQL implementation of `TelemetryStore`. Appends group commit (`GroupCommit`): one transaction and one
 * multi-row INSERT per batch, each append resolving after COMMIT. Count, bytes and the last sequence number live in
 * `telemetry_totals`, moved in the same transactions, so every instance sharing the database sees the same figures.
 */
export function createPgTelemetryStore(pool: Pool, options: PgTelemetryOptions = {}): TelemetryStore & { drain(): Promise<void> } {
  // Batches in flight together insert in the order they were flushed: each waits until the one before it holds the
  // telemetry lock and has inserted, so sequence numbers follow arrival order (a device's messages stay in order).
  let lastInserted: Promise<void> = Promise.resolve();
  const commit = async (entries: readonly TelemetryEntry[]): Promise<TelemetryRecord[]> => {
    const previous = lastInserted;
    let inserted = (): void => undefined;
    lastInserted = new Promise<void>((resolve) => (inserted = resolve));
    try {
      await previous;
      return await commitBatch(pool, entries, inserted);
    } finally {
      inserted();
    }
  };
  const batches = new GroupCommit<TelemetryEntry, TelemetryRecord>(commit, {
    maxBatch: options.maxBatch ?? 1000,
    maxInFlight: options.maxInFlight ?? 2,
  });
  return {
    append: (entry) => batches.add(entry),
    async recent(filter, limit, beforeSequence) {
      const kind = filterKind(filter);
      const { rows } = await run<TelemetryRow>(
        pool,
        `telemetry-recent-${kind}`,
        `SELECT * FROM telemetry WHERE ${whereOf[kind]} AND seq < $3 ORDER BY seq DESC LIMIT $4`,
        [...filterParams(filter), beforeSequence ?? Number.MAX_SAFE_INTEGER, limit],
      );
      return rows.reverse().map(toRecord);
    },
    async after(filter, afterSequence, limit) {
      const kind = filterKind(filter);
      const { rows } = await run<TelemetryRow>(
        pool,
        `telemetry-after-${kind}`,
        `SELECT * FROM telemetry WHERE ${whereOf[kind]} AND seq > $3 ORDER BY seq LIMIT $4`,
        [...filterParams(filter), afterSequence, limit],
      );
      return rows.map(toRecord);
    },
    prune: (limits) => inPgTransaction(pool, (client) => pruneLocked(client, limits)),
    async stats() {
      const { rows } = await run<{ count: number; bytes: number; last_sequence: number }>(
        pool,
        'telemetry-stats',
        'SELECT count, bytes, last_sequence FROM telemetry_totals',
      );
      const t = rows[0];
      return { count: t?.count ?? 0, bytes: t?.bytes ?? 0, lastSequence: t?.last_sequence ?? 0 };
    },
    drain: () => batches.drain(),
  };
}

async function commitBatch(pool: Pool, entries: readonly TelemetryEntry[], inserted: () => void): Promise<TelemetryRecord[]> {
  const sizes = entries.map((e) => messageSizeBytes(e.message));
  const values = [
    entries.map((e) => e.deviceId),
    entries.map((e) => e.moduleId ?? null),
    entries.map((e) => e.enqueuedAtMs),
    entries.map((e) => e.message.body),
    entries.map((e) => JSON.stringify(e.message.properties)),
    entries.map((e) => JSON.stringify(e.message.systemProperties)),
    sizes,
  ];
  const begin = `BEGIN; SELECT pg_advisory_xact_lock(${TELEMETRY_LOCK_CLASS}, hashtext(current_schema()))`;
  const { rows } = await inPgTransaction(
    pool,
    async (client) => {
      const result = await run<{ seq: number }>(client, 'telemetry-insert-batch', insertBatch, values);
      inserted();
      return result;
    },
    begin,
  );
  // Sequence numbers are taken in row order, so the i-th smallest belongs to the i-th entry.
  return entries.map((e, i) => ({ ...e, sequenceNumber: rows[i]?.seq ?? Number.NaN, sizeBytes: sizes[i] ?? 0 }));
}

async function pruneLocked(db: PgQueryable, limits: RetentionLimits): Promise<number> {
  // Locking the totals row serialises concurrent prunes (two instances), so each computes its cuts on fresh totals.
  const totals = async () =>
    (await run<{ count: number; bytes: number }>(db, 'telemetry-totals-for-update', 'SELECT count, bytes FROM telemetry_totals FOR UPDATE')).rows[0] ?? {
      count: 0,
      bytes: 0,
    };
  const dropUpTo = async (seq: number | null | undefined) =>
    seq === null || seq === undefined ? 0 : ((await run<{ n: number }>(db, 'telemetry-delete-up-to', deleteUpTo, [seq])).rows[0]?.n ?? 0);
  let dropped = 0;
  await totals(); // takes the row lock first: the prunes of several instances run one after the other
  const old = await run<{ s: number | null }>(db, 'telemetry-last-older-than', 'SELECT MAX(seq) AS s FROM telemetry WHERE enqueued_at < $1', [limits.olderThanMs]);
  dropped += await dropUpTo(old.rows[0]?.s);
  let t = await totals();
  if (t.count > limits.maxCount) {
    const cut = await run<{ seq: number }>(db, 'telemetry-nth-oldest', 'SELECT seq FROM telemetry ORDER BY seq LIMIT 1 OFFSET $1', [t.count - limits.maxCount - 1]);
    dropped += await dropUpTo(cut.rows[0]?.seq);
    t = await totals();
  }
  if (t.bytes > limits.maxBytes) {
    // The window sum streams over the primary key in order, and LIMIT 1 stops it at the cut.
    const cut = await run<{ seq: number }>(
      db,
      'telemetry-bytes-cut',
      'SELECT seq FROM (SELECT seq, SUM(size) OVER (ORDER BY seq) AS freed FROM telemetry) t WHERE freed >= $1 ORDER BY seq LIMIT 1',
      [t.bytes - limits.maxBytes],
    );
    dropped += await dropUpTo(cut.rows[0]?.seq);
  }
  return dropped;
}

function filterParams(f: TelemetryFilter): [string | null, string | null] {
  return [f.deviceId ?? null, f.moduleId ?? null];
}

import type { Pool, QueryResult } from 'pg';
import { VergeError } from '@verge/contracts';
import type { TelemetryEntry } from '../ports.js';
import { TELEMETRY_LOCK_CLASS } from './pg-advisory-locks.js';
import { run } from './pg-queryable.js';

/** Rows of `telemetry_totals_shards` (PostgreSQL migration 4 creates them): the totals are their sums. */
export const TELEMETRY_TOTALS_SHARDS = 16;

/** Sequence numbers `lo`…`hi` (inclusive, contiguous) reserved by one batch. */
export interface TelemetryReservation {
  readonly lo: number;
  readonly hi: number;
}

/** How `commitTelemetryBatch` runs. */
export interface TelemetryBatchOptions {
  /** Written into the reservation, for an operator looking at `telemetry_pending`. */
  readonly instance: string;
  /** Readers' stale timeout; a batch inserting after half of it fails (CLD_TELEMETRY_BATCH_EXPIRED). */
  readonly staleMs: number;
  /** The `telemetry_totals_shards` row this batch moves (0 … TELEMETRY_TOTALS_SHARDS - 1). */
  readonly shard: number;
  /** Called once the numbers are reserved, before the rows go in (the store's batches reserve in flush order). */
  readonly reserved: () => void;
  /** Awaited between the INSERT and the COMMIT. Tests hold a batch open with it; production passes none. */
  readonly afterInsert?: (reservation: TelemetryReservation) => Promise<void>;
}

// One round trip, two transactions. The first reserves the numbers and commits at once, not durably (a crash
// loses only a reservation no row used; a batch's durable COMMIT flushes the WAL before it, reservation included).
// Its lock covers only this server-side instant, so reservations commit in sequence order. The second is the batch.
function reserveThenBegin(count: number, instanceLiteral: string): string {
  return `BEGIN;
SET LOCAL synchronous_commit = off;
SELECT pg_advisory_xact_lock(${TELEMETRY_LOCK_CLASS}, hashtext(current_schema()));
INSERT INTO telemetry_pending (lo, hi, created_at, instance, pid)
  SELECT lo, setval('telemetry_seq_seq', lo + ${count - 1}), clock_timestamp(), ${instanceLiteral}, pg_backend_pid()
  FROM (SELECT nextval('telemetry_seq_seq') AS lo) r
  RETURNING lo, hi;
COMMIT;
BEGIN`;
}

// The rows take the reserved numbers in arrival order, the reservation goes, and one totals shard moves ($10: the
// store's own, so instances rarely queue on one row; a shared one only waits). No reservation (expired, or deleted
// by a retention pass as stale) inserts nothing. $8 is `lo`, $9 the insert deadline in seconds.
const insertReserved = `WITH reservation AS (
  DELETE FROM telemetry_pending WHERE lo = $8 AND created_at > clock_timestamp() - make_interval(secs => $9) RETURNING lo
), ins AS (
  INSERT INTO telemetry (seq, device_id, module_id, enqueued_at, body, properties, system_properties, size)
  SELECT r.lo + t.o - 1, t.d, t.m, t.e, t.b, t.p::jsonb, t.s::jsonb, t.z
  FROM reservation r, unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[], $5::text[], $6::text[], $7::int[]) WITH ORDINALITY AS t(d, m, e, b, p, s, z, o)
  RETURNING seq, size
), totals AS (
  UPDATE telemetry_totals_shards SET count = count + (SELECT COUNT(*) FROM ins), bytes = bytes + (SELECT COALESCE(SUM(size), 0) FROM ins),
    last_sequence = GREATEST(last_sequence, (SELECT COALESCE(MAX(seq), 0) FROM ins))
  WHERE shard = $10
)
SELECT COUNT(*)::int AS n FROM ins`;

/**
 * Stores one batch without any lock across instances: reserves `entries.length` sequence numbers (its own short
 * transaction), then inserts the rows with those numbers and deletes the reservation in the batch's transaction.
 * Resolves with the reservation after COMMIT. On failure the batch is rolled back and its reservation deleted, so
 * readers are not held back by it.
 */
export async function commitTelemetryBatch(
  pool: Pool,
  entries: readonly TelemetryEntry[],
  sizes: readonly number[],
  options: TelemetryBatchOptions,
): Promise<TelemetryReservation> {
  const client = await pool.connect();
  let broken: Error | undefined;
  let reservation: TelemetryReservation | undefined;
  // A connection that dies while the batch holds it (e.g. its backend is terminated) fails the batch, never the process.
  const onError = (e: Error): void => {
    broken = e;
  };
  client.on('error', onError);
  try {
    const results = (await client.query(reserveThenBegin(entries.length, client.escapeLiteral(options.instance)))) as unknown as QueryResult[];
    reservation = results.map((r) => r.rows[0] as TelemetryReservation | undefined).find((r) => r?.lo !== undefined);
    options.reserved();
    if (reservation === undefined) throw new Error('telemetry reservation returned no row');
    const values = [
      entries.map((e) => e.deviceId),
      entries.map((e) => e.moduleId ?? null),
      entries.map((e) => e.enqueuedAtMs),
      entries.map((e) => e.message.body),
      entries.map((e) => JSON.stringify(e.message.properties)),
      entries.map((e) => JSON.stringify(e.message.systemProperties)),
      sizes,
      reservation.lo,
      options.staleMs / 2000,
      options.shard,
    ];
    const { rows } = await run<{ n: number }>(client, 'telemetry-insert-reserved', insertReserved, values);
    if (rows[0]?.n !== entries.length) {
      throw new VergeError(
        'CLD_TELEMETRY_BATCH_EXPIRED',
        `a telemetry batch of ${entries.length} messages reached its INSERT more than ${options.staleMs / 2} ms after reserving its sequence numbers; nothing of it is stored (its senders get no acknowledgement and resend)`,
        { details: { messages: entries.length, deadlineMs: options.staleMs / 2 } },
      );
    }
    await options.afterInsert?.(reservation);
    await client.query('COMMIT');
    return reservation;
  } catch (e) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    if (reservation !== undefined) {
      // Best effort: a reservation left behind stops counting once its connection is gone or it is stale.
      await (broken === undefined ? client : pool).query('DELETE FROM telemetry_pending WHERE lo = $1', [reservation.lo]).catch(() => undefined);
    }
    throw e;
  } finally {
    options.reserved();
    client.off('error', onError);
    client.release(broken);
  }
}

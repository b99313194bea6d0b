import type { Pool, QueryResult } from 'pg';
import { VergeError } from '@verge/contracts';
import type { TelemetryEntry } from '../ports.js';
import { TELEMETRY_LOCK_CLASS } from './pg-advisory-locks.js';
import { propertiesJson } from '../sqlite/message-columns.js';
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

// One round trip. The reservation transaction reserves the numbers and commits at once, not durably (a crash loses
// only a reservation no row used; the batch's durable commit flushes the WAL before it, reservation included). Its
// lock covers only this server-side instant, so reservations commit in sequence order. With `thenBegin` the batch's
// own transaction opens in the same round trip (a batch held open between INSERT and COMMIT); without, the INSERT
// runs on its own as one atomic statement and commits by itself: one round trip less per batch.
function reserve(count: number, instanceLiteral: string, thenBegin: boolean): string {
  return `BEGIN;
SET LOCAL synchronous_commit = off;
SELECT pg_advisory_xact_lock(${TELEMETRY_LOCK_CLASS}, hashtext(current_schema()));
INSERT INTO telemetry_pending (lo, hi, created_at, instance, pid)
  SELECT lo, setval('telemetry_seq_seq', lo + ${count - 1}), clock_timestamp(), ${instanceLiteral}, pg_backend_pid()
  FROM (SELECT nextval('telemetry_seq_seq') AS lo) r
  RETURNING lo, hi;
COMMIT${thenBegin ? ';\nBEGIN' : ''}`;
}

// The rows take the reserved numbers in arrival order, the reservation goes, and one totals shard moves ($11: the
// store's own, so instances rarely queue on one row; a shared one only waits). No reservation (expired, or deleted
// by a retention pass as stale) inserts nothing. $9 is `lo`, $10 the insert deadline in seconds.
// The parameters avoid the driver's per-element array encoding (a quoted, escaped element per value): the bodies
// travel as one binary bytea ($4) cut at offsets ($5, 1-based) and lengths ($6), the ids as JSON arrays of strings
// ($1, $2; null for no module), the property maps as one JSON array of objects each ($7, $8) rather than text[] of
// JSON (whose every quote was escaped by the client and unescaped by the server), the numbers as `{1,2,…}` array
// literals; ROWS FROM walks all of them in step.
const insertReserved = `WITH reservation AS (
  DELETE FROM telemetry_pending WHERE lo = $9 AND created_at > clock_timestamp() - make_interval(secs => $10) RETURNING lo
), ins AS (
  INSERT INTO telemetry (seq, device_id, module_id, enqueued_at, body, properties, system_properties, size)
  SELECT r.lo + t.o - 1, t.d, t.m, t.e, substring($4::bytea FROM t.f FOR t.l), t.p, t.s, t.z
  FROM reservation r, ROWS FROM (
    jsonb_array_elements_text($1::jsonb), jsonb_array_elements_text($2::jsonb), unnest($3::bigint[]), unnest($5::int[]),
    unnest($6::int[]), jsonb_array_elements($7::jsonb), jsonb_array_elements($8::jsonb), unnest($12::int[])
  ) WITH ORDINALITY AS t(d, m, e, f, l, p, s, z, o)
  RETURNING seq, size
), totals AS (
  UPDATE telemetry_totals_shards SET count = count + (SELECT COUNT(*) FROM ins), bytes = bytes + (SELECT COALESCE(SUM(size), 0) FROM ins),
    last_sequence = GREATEST(last_sequence, (SELECT COALESCE(MAX(seq), 0) FROM ins))
  WHERE shard = $11
)
SELECT COUNT(*)::int AS n FROM ins`;

/** The bodies of `entries` as one buffer, with each one's 1-based offset and length in it. */
function packBodies(entries: readonly TelemetryEntry[]): { packed: Buffer; offsets: number[]; lengths: number[] } {
  const offsets = new Array<number>(entries.length);
  const lengths = new Array<number>(entries.length);
  const bodies = new Array<Uint8Array>(entries.length);
  let at = 1;
  entries.forEach((e, i) => {
    const b = e.message.body;
    bodies[i] = b;
    offsets[i] = at;
    lengths[i] = b.byteLength;
    at += b.byteLength;
  });
  return { packed: Buffer.concat(bodies, at - 1), offsets, lengths };
}

/** `{1,2,3}`: a PostgreSQL array literal of integers (what the driver would build, without quoting each element). */
function intArrayLiteral(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

/** `[{…},{…}]` of one property map per entry; an empty map costs no JSON.stringify (most messages have no properties). */
function jsonArrayOf(entries: readonly TelemetryEntry[], pick: (e: TelemetryEntry) => Readonly<Record<string, string>>): string {
  let s = '[';
  entries.forEach((e, i) => {
    const bag = pick(e);
    s += (i === 0 ? '' : ',') + propertiesJson(bag);
  });
  return s + ']';
}

/**
 * Stores one batch without any lock across instances: reserves `entries.length` sequence numbers (its own short
 * transaction), then inserts the rows with those numbers and deletes the reservation in one statement, which is the
 * batch's transaction (two round trips; with `afterInsert`, an explicit transaction held open around the hook).
 * Resolves with the reservation after the commit. On failure the batch is rolled back and its reservation deleted,
 * so readers are not held back by it.
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
    const held = options.afterInsert !== undefined;
    const results = (await client.query(reserve(entries.length, client.escapeLiteral(options.instance), held))) as unknown as QueryResult[];
    reservation = results.map((r) => r.rows[0] as TelemetryReservation | undefined).find((r) => r?.lo !== undefined);
    options.reserved();
    if (reservation === undefined) throw new Error('telemetry reservation returned no row');
    const bodies = packBodies(entries);
    const values = [
      JSON.stringify(entries.map((e) => e.deviceId)),
      JSON.stringify(entries.map((e) => e.moduleId ?? null)),
      intArrayLiteral(entries.map((e) => e.enqueuedAtMs)),
      bodies.packed,
      intArrayLiteral(bodies.offsets),
      intArrayLiteral(bodies.lengths),
      jsonArrayOf(entries, (e) => e.message.properties),
      jsonArrayOf(entries, (e) => e.message.systemProperties),
      reservation.lo,
      options.staleMs / 2000,
      options.shard,
      intArrayLiteral(sizes),
    ];
    const { rows } = await run<{ n: number }>(client, 'telemetry-insert-reserved', insertReserved, values);
    if (rows[0]?.n !== entries.length) {
      throw new VergeError(
        'CLD_TELEMETRY_BATCH_EXPIRED',
        `a telemetry batch of ${entries.length} messages reached its INSERT more than ${options.staleMs / 2} ms after reserving its sequence numbers; nothing of it is stored (its senders get no acknowledgement and resend)`,
        { details: { messages: entries.length, deadlineMs: options.staleMs / 2 } },
      );
    }
    if (held) {
      await options.afterInsert?.(reservation);
      await client.query('COMMIT');
    }
    return reservation;
  } catch (e) {
    // Outside a transaction (a failed statement of its own rolled back by itself) ROLLBACK only warns.
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

import type { Pool } from 'pg';
import type { RetentionLimits } from '../ports.js';
import { TELEMETRY_PRUNE_LOCK_CLASS } from './pg-advisory-locks.js';
import { run, type PgQueryable } from './pg-queryable.js';
import { inPgTransaction } from './pg-transaction.js';

// Count and bytes are the sums of the totals shards; appends move them concurrently, a pass reads them fresh
// after each cut.
const totalsSql = 'SELECT COALESCE(SUM(count), 0)::bigint AS count, COALESCE(SUM(bytes), 0)::bigint AS bytes FROM telemetry_totals_shards';

// Deletes the prefix of the sequence up to $1 and takes it off shard $2 (any: only the sums mean something).
const deleteUpTo = `WITH del AS (DELETE FROM telemetry WHERE seq <= $1 RETURNING size),
upd AS (
  UPDATE telemetry_totals_shards SET count = count - (SELECT COUNT(*) FROM del), bytes = bytes - (SELECT COALESCE(SUM(size), 0) FROM del)
  WHERE shard = $2
)
SELECT COUNT(*)::int AS n FROM del`;

// The highest sequence number among rows older than $1. Written plainly, the planner answers MAX(seq) by walking the
// primary key back from the newest row until one is old enough: the whole table when none is (10–20 ms per 100,000
// rows measured, on every inline pass at the count limit). Behind the OFFSET 0 fence it reads the time index, only
// the rows the pass then drops (generic plan included).
const lastOlderThanSql = 'SELECT MAX(seq) AS s FROM (SELECT seq FROM telemetry WHERE enqueued_at < $1 OFFSET 0) old';

/**
 * One retention pass of the PostgreSQL telemetry table: drops the oldest rows until every bound holds and returns
 * how many went. Passes of several instances take the prune lock, so each computes its cuts on the totals the one
 * before left; appends wait for a pass only when they move the same totals shard (`shard`). First,
 * on its own, deletes reservations older than `staleMs` (readers already ignore them).
 */
export async function pruneTelemetry(pool: Pool, limits: RetentionLimits, staleMs: number, shard: number): Promise<number> {
  await run(pool, 'telemetry-pending-prune', 'DELETE FROM telemetry_pending WHERE created_at < now() - make_interval(secs => $1)', [staleMs / 1000]);
  const begin = `BEGIN; SELECT pg_advisory_xact_lock(${TELEMETRY_PRUNE_LOCK_CLASS}, hashtext(current_schema()))`;
  return inPgTransaction(pool, (client) => pruneLocked(client, limits, shard), begin);
}

async function pruneLocked(db: PgQueryable, limits: RetentionLimits, shard: number): Promise<number> {
  const totals = async () => (await run<{ count: number; bytes: number }>(db, 'telemetry-totals-sum', totalsSql)).rows[0] ?? { count: 0, bytes: 0 };
  const dropUpTo = async (seq: number | null | undefined) =>
    seq === null || seq === undefined ? 0 : ((await run<{ n: number }>(db, 'telemetry-delete-up-to', deleteUpTo, [seq, shard])).rows[0]?.n ?? 0);
  let dropped = 0;
  const old = await run<{ s: number | null }>(db, 'telemetry-last-older-than', lastOlderThanSql, [limits.olderThanMs]);
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

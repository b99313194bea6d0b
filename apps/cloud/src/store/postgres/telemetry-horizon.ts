/**
 * The readers' horizon of the PostgreSQL telemetry table (ARCHITECTURE.md, "Telemetry ingest across instances").
 *
 * Batches of several instances commit in any order, so a row with a lower sequence number may commit after a
 * higher one. Every batch first reserves its numbers in `telemetry_pending` (committed before its rows can be), and
 * deletes that row in the transaction that inserts its rows. A reader sees only rows below the lowest reservation
 * still live, so a number it has passed never shows up later: `after(seq)` resumed from any number a reader was
 * given never skips a row. A reservation stops holding readers back when its backend is gone (the instance or its
 * connection died: its transaction rolled back; checked once it is `ASSUMED_ALIVE_MS` old) or when it is older
 * than the stale timeout (a hung instance); a
 * batch whose reservation is older than half that timeout when it inserts fails instead of committing late.
 *
 * `staleSeconds` is the placeholder (e.g. `$5`) of the stale timeout in seconds. One statement evaluates the horizon
 * and reads the rows in one snapshot, which the argument needs.
 */
export function horizonSql(staleSeconds: string): string {
  return `COALESCE((SELECT lo FROM telemetry_pending p
    WHERE p.created_at > now() - make_interval(secs => ${staleSeconds})
      AND (p.created_at > now() - interval '${ASSUMED_ALIVE_MS} milliseconds' OR EXISTS (SELECT 1 FROM pg_stat_get_activity(p.pid)))
    ORDER BY lo LIMIT 1), 9223372036854775807)`;
}

/**
 * A reservation younger than this is taken as alive without asking the server (`pg_stat_get_activity` copies every
 * backend's status: too much for every read, and batches normally finish in milliseconds). So readers pass a dead
 * instance's reservation after this long at the earliest.
 */
export const ASSUMED_ALIVE_MS = 1000;

/** Stale timeout of a reservation (a hung instance's batch) unless the store is told otherwise. */
export const DEFAULT_STALE_RESERVATION_MS = 30_000;

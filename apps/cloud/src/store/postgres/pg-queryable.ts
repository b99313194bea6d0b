import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { storeConflict, type WriteCondition } from '../ports.js';

/** Where a repository sends its statements: the pool (each call on its own) or a transaction's client. */
export type PgQueryable = Pool | PoolClient;

/** Runs a named (prepared once per connection) statement. */
export function run<R extends QueryResultRow = QueryResultRow>(db: PgQueryable, name: string, text: string, values: unknown[] = []): Promise<QueryResult<R>> {
  return db.query<R>({ name, text, values });
}

/** The three writes of a record with a key: the upsert, the conditional update by etag, the insert-if-absent. */
export interface RecordWrites {
  readonly upsert: string;
  readonly updateIfEtag: string;
  readonly insertIfAbsent: string;
}

/**
 * Builds the writes of a table whose `columns` (in value order) start with the `keys` and hold an `etag`. The
 * conditional update takes the expected etag as the last parameter. Upserts are `ON CONFLICT … DO UPDATE`, never a
 * delete and insert, so replacing a device never cascades to its modules and twins.
 */
export function recordWrites(table: string, columns: readonly string[], keys: readonly string[]): RecordWrites {
  const params = columns.map((_, i) => `$${i + 1}`).join(', ');
  const insert = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${params})`;
  const others = columns.filter((c) => !keys.includes(c));
  const keyWhere = keys.map((k) => `${k} = $${columns.indexOf(k) + 1}`).join(' AND ');
  return {
    upsert: `${insert} ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${others.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    updateIfEtag: `UPDATE ${table} SET ${others.map((c) => `${c} = $${columns.indexOf(c) + 1}`).join(', ')} WHERE ${keyWhere} AND etag = $${columns.length + 1}`,
    insertIfAbsent: `${insert} ON CONFLICT (${keys.join(', ')}) DO NOTHING`,
  };
}

/**
 * Writes a record under an optional condition in one statement: the database decides atomically (a concurrent
 * writer holding the row makes this one wait and then re-check the etag), so no read-then-write race exists. A
 * condition that does not hold writes nothing and rejects with CLD_STORE_CONFLICT.
 */
export async function writeRecord(
  db: PgQueryable,
  name: string,
  writes: RecordWrites,
  values: unknown[],
  condition: WriteCondition | undefined,
  what: string,
): Promise<void> {
  if (condition === undefined) {
    await run(db, `${name}-upsert`, writes.upsert, values);
    return;
  }
  const r =
    'ifEtag' in condition
      ? await run(db, `${name}-update-if-etag`, writes.updateIfEtag, [...values, condition.ifEtag])
      : await run(db, `${name}-insert-if-absent`, writes.insertIfAbsent, values);
  if (r.rowCount !== 1) throw storeConflict(what, condition);
}

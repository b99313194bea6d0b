/**
 * `INSERT … ON CONFLICT (keys) DO UPDATE` of a table whose `columns` take positional parameters in order. An upsert,
 * never INSERT OR REPLACE: REPLACE deletes the row first, which foreign keys see as a delete (and cascade).
 */
export function upsertSql(table: string, columns: readonly string[], keys: readonly string[]): string {
  const others = columns.filter((c) => !keys.includes(c));
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${others
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;
}

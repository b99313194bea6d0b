import type { SqliteDatabase } from '@verge/platform';
import type { ConfigurationRepository } from '../ports.js';
import { configurationColumns, configurationFromRow, configurationValues, sqliteCodec, type Row } from '../rows.js';
import type { SyncOf } from './sync-ports.js';
import { upsertSql } from './upsert-sql.js';
import { writeIf } from './write-condition.js';

/** SQLite implementation of `ConfigurationRepository` (JSON documents as text). */
export function createSqliteConfigurationRepository(db: SqliteDatabase): SyncOf<ConfigurationRepository> {
  const get = db.prepare<[string], Row>('SELECT * FROM configurations WHERE id = ?');
  const etagOf = db.prepare<[string], { etag: string }>('SELECT etag FROM configurations WHERE id = ?');
  const list = db.prepare<[], Row>('SELECT * FROM configurations ORDER BY id');
  // An upsert, not INSERT OR REPLACE: REPLACE deletes the row first, which would cascade to the rollout state.
  const put = db.prepare<unknown[]>(upsertSql('configurations', configurationColumns, ['id']));
  const del = db.prepare<[string]>('DELETE FROM configurations WHERE id = ?');
  return {
    get: (id) => {
      const row = get.get(id);
      return row === undefined ? undefined : configurationFromRow(row, sqliteCodec);
    },
    list: () => list.all().map((r) => configurationFromRow(r, sqliteCodec)),
    put: (record, condition) =>
      writeIf(db, condition, `deployment '${record.id}'`, () => etagOf.get(record.id)?.etag, () => void put.run(...configurationValues(record, sqliteCodec))),
    // ON DELETE CASCADE removes the rollout state and the snapshots.
    delete: (id) => del.run(id).changes > 0,
  };
}

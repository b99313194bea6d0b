import type { SqliteDatabase } from '@verge/platform';
import type { RolloutRepository } from '../ports.js';
import { rolloutColumns, rolloutFromRow, rolloutValues, snapshotColumns, snapshotFromRow, snapshotValues, sqliteCodec, type Row } from '../rows.js';
import type { SyncOf } from './sync-ports.js';
import { upsertSql } from './upsert-sql.js';
import { writeIf } from './write-condition.js';

/** SQLite implementation of `RolloutRepository` (state and snapshots as JSON text). */
export function createSqliteRolloutRepository(db: SqliteDatabase): SyncOf<RolloutRepository> {
  const get = db.prepare<[string], Row>('SELECT * FROM rollouts WHERE configuration_id = ?');
  const etagOf = db.prepare<[string], { etag: string }>('SELECT etag FROM rollouts WHERE configuration_id = ?');
  const list = db.prepare<[], Row>('SELECT * FROM rollouts ORDER BY configuration_id');
  const put = db.prepare<unknown[]>(upsertSql('rollouts', rolloutColumns, ['configuration_id']));
  const del = db.prepare<[string]>('DELETE FROM rollouts WHERE configuration_id = ?');
  const putSnapshot = db.prepare<unknown[]>(upsertSql('rollout_snapshots', snapshotColumns, ['configuration_id', 'device_id']));
  const getSnapshot = db.prepare<[string, string], Row>('SELECT * FROM rollout_snapshots WHERE configuration_id = ? AND device_id = ?');
  // One transaction (a savepoint inside an open one): the whole batch or nothing.
  const putSnapshots = db.transaction((records: readonly unknown[][]) => {
    for (const values of records) putSnapshot.run(...values);
  });
  return {
    get: (id) => {
      const row = get.get(id);
      return row === undefined ? undefined : rolloutFromRow(row, sqliteCodec);
    },
    list: () => list.all().map((r) => rolloutFromRow(r, sqliteCodec)),
    put: (record, condition) =>
      writeIf(
        db,
        condition,
        `the rollout of deployment '${record.configurationId}'`,
        () => etagOf.get(record.configurationId)?.etag,
        () => void put.run(...rolloutValues(record)),
      ),
    delete: (id) => del.run(id).changes > 0,
    putSnapshots: (records) => {
      if (records.length > 0) putSnapshots(records.map(snapshotValues));
    },
    getSnapshot: (configurationId, deviceId) => {
      const row = getSnapshot.get(configurationId, deviceId);
      return row === undefined ? undefined : snapshotFromRow(row, sqliteCodec);
    },
  };
}

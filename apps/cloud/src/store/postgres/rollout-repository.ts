import type { RolloutRepository } from '../ports.js';
import { pgCodec, rolloutColumns, rolloutFromRow, rolloutValues, snapshotFromRow } from '../rows.js';
import { recordWrites, run, writeRecord, type PgQueryable } from './pg-queryable.js';

const writes = recordWrites('rollouts', rolloutColumns, ['configuration_id']);

/** PostgreSQL implementation of `RolloutRepository` (state and snapshots as `jsonb`). */
export function createPgRolloutRepository(db: PgQueryable): RolloutRepository {
  return {
    async get(id) {
      const { rows } = await run(db, 'rollouts-get', 'SELECT * FROM rollouts WHERE configuration_id = $1', [id]);
      return rows[0] === undefined ? undefined : rolloutFromRow(rows[0], pgCodec);
    },
    async list() {
      const { rows } = await run(db, 'rollouts-list', 'SELECT * FROM rollouts ORDER BY configuration_id');
      return rows.map((r) => rolloutFromRow(r, pgCodec));
    },
    put: (record, condition) =>
      writeRecord(db, 'rollouts', writes, rolloutValues(record), condition, `the rollout of deployment '${record.configurationId}'`),
    delete: async (id) => ((await run(db, 'rollouts-delete', 'DELETE FROM rollouts WHERE configuration_id = $1', [id])).rowCount ?? 0) > 0,
    // One statement (atomic on its own) for the whole batch: arrays of keys and JSON texts unnested into rows. The
    // last record of a deployment and device wins when a batch names it twice.
    async putSnapshots(records) {
      if (records.length === 0) return;
      const last = new Map(records.map((s) => [`${s.configurationId}\u0000${s.deviceId}`, s]));
      const batch = [...last.values()];
      await run(
        db,
        'rollout-snapshots-put',
        `INSERT INTO rollout_snapshots (configuration_id, device_id, desired)
         SELECT c, d, j::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS s (c, d, j)
         ON CONFLICT (configuration_id, device_id) DO UPDATE SET desired = excluded.desired`,
        [batch.map((s) => s.configurationId), batch.map((s) => s.deviceId), batch.map((s) => JSON.stringify(s.desired))],
      );
    },
    async getSnapshot(configurationId, deviceId) {
      const { rows } = await run(db, 'rollout-snapshots-get', 'SELECT * FROM rollout_snapshots WHERE configuration_id = $1 AND device_id = $2', [
        configurationId,
        deviceId,
      ]);
      return rows[0] === undefined ? undefined : snapshotFromRow(rows[0], pgCodec);
    },
  };
}

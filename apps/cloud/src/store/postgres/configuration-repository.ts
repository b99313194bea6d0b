import type { ConfigurationRepository } from '../ports.js';
import { configurationColumns, configurationFromRow, configurationValues, pgCodec } from '../rows.js';
import { recordWrites, run, writeRecord, type PgQueryable } from './pg-queryable.js';

const writes = recordWrites('configurations', configurationColumns, ['id']);

/** PostgreSQL implementation of `ConfigurationRepository` (JSON documents as `jsonb`). */
export function createPgConfigurationRepository(db: PgQueryable): ConfigurationRepository {
  return {
    async get(id) {
      const { rows } = await run(db, 'configurations-get', 'SELECT * FROM configurations WHERE id = $1', [id]);
      return rows[0] === undefined ? undefined : configurationFromRow(rows[0], pgCodec);
    },
    async list() {
      const { rows } = await run(db, 'configurations-list', 'SELECT * FROM configurations ORDER BY id');
      return rows.map((r) => configurationFromRow(r, pgCodec));
    },
    put: (record, condition) =>
      writeRecord(db, 'configurations', writes, configurationValues(record, pgCodec), condition, `deployment '${record.id}'`),
    // ON DELETE CASCADE removes the rollout state and the snapshots.
    delete: async (id) => ((await run(db, 'configurations-delete', 'DELETE FROM configurations WHERE id = $1', [id])).rowCount ?? 0) > 0,
  };
}

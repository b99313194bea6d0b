import type { PolicyRepository } from '../ports.js';
import type { PolicyRecord, PolicyRight } from '../records.js';
import { run, type PgQueryable } from './pg-queryable.js';

interface PolicyRow {
  name: string;
  primary_key: string;
  secondary_key: string;
  rights: string[];
  created_at: number;
}

function toRecord(r: PolicyRow): PolicyRecord {
  return { name: r.name, primaryKey: r.primary_key, secondaryKey: r.secondary_key, rights: r.rights as PolicyRight[], createdAtMs: r.created_at };
}

/** PostgreSQL implementation of `PolicyRepository` (rights as `text[]`). */
export function createPgPolicyRepository(db: PgQueryable): PolicyRepository {
  return {
    async get(name) {
      const { rows } = await run<PolicyRow>(db, 'policies-get', 'SELECT * FROM policies WHERE name = $1', [name]);
      return rows[0] === undefined ? undefined : toRecord(rows[0]);
    },
    async list() {
      const { rows } = await run<PolicyRow>(db, 'policies-list', 'SELECT * FROM policies ORDER BY name');
      return rows.map(toRecord);
    },
    async put(p) {
      await run(
        db,
        'policies-put',
        `INSERT INTO policies (name, primary_key, secondary_key, rights, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO UPDATE SET primary_key = excluded.primary_key, secondary_key = excluded.secondary_key, rights = excluded.rights, created_at = excluded.created_at`,
        [p.name, p.primaryKey, p.secondaryKey, [...p.rights], p.createdAtMs],
      );
    },
  };
}

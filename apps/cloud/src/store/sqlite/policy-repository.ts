import type { SqliteDatabase } from '@verge/platform';
import type { PolicyRepository } from '../ports.js';
import type { SyncOf } from './sync-ports.js';
import type { PolicyRecord, PolicyRight } from '../records.js';

interface PolicyRow {
  name: string;
  primary_key: string;
  secondary_key: string;
  rights: string;
  created_at: number;
}

function toRecord(r: PolicyRow): PolicyRecord {
  return {
    name: r.name,
    primaryKey: r.primary_key,
    secondaryKey: r.secondary_key,
    rights: r.rights.split(',').filter((x) => x !== '') as PolicyRight[],
    createdAtMs: r.created_at,
  };
}

/** SQLite implementation of `PolicyRepository`. */
export function createSqlitePolicyRepository(db: SqliteDatabase): SyncOf<PolicyRepository> {
  const get = db.prepare<[string], PolicyRow>('SELECT * FROM policies WHERE name = ?');
  const list = db.prepare<[], PolicyRow>('SELECT * FROM policies ORDER BY name');
  const put = db.prepare<[PolicyRow]>(
    'INSERT OR REPLACE INTO policies (name, primary_key, secondary_key, rights, created_at) VALUES (@name, @primary_key, @secondary_key, @rights, @created_at)',
  );
  return {
    get: (name) => {
      const row = get.get(name);
      return row === undefined ? undefined : toRecord(row);
    },
    list: () => list.all().map(toRecord),
    put: (p) =>
      void put.run({ name: p.name, primary_key: p.primaryKey, secondary_key: p.secondaryKey, rights: p.rights.join(','), created_at: p.createdAtMs }),
  };
}

import type { Pool, PoolClient } from 'pg';
import { VergeError } from '@verge/contracts';
import { MIGRATION_LOCK_CLASS as LOCK_CLASS } from './pg-advisory-locks.js';
import type { PgMigration } from './pg-migrations.js';

/** What `runPgMigrations` did. */
export interface PgMigrationResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly string[];
}


const ledgerDdl = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Applies the migrations newer than the schema's version, each in its own transaction together with its row in
 * `schema_migrations`, so a crash leaves the schema at a whole version. A session advisory lock is held
 * throughout, so two cloud instances starting at once apply each migration once: the second waits, then finds
 * nothing left to do. `schema` (created when missing) is the one the pool's `search_path` names; undefined means
 * the connection's current schema. Throws DB_SCHEMA_TOO_NEW when the schema knows a version this code does not.
 */
export async function runPgMigrations(pool: Pool, migrations: readonly PgMigration[], schema?: string): Promise<PgMigrationResult> {
  checkNumbering(migrations);
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const lockName = schema ?? (await currentSchema(client));
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, lockName]);
    try {
      if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      return await migrateLocked(client, migrations, lockName);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, lockName]);
    }
  } catch (e) {
    broken = e instanceof Error ? e : new Error(String(e));
    throw e;
  } finally {
    // A client that failed mid-way is destroyed, never reused with a half-open transaction or a held lock.
    client.release(broken);
  }
}

async function migrateLocked(client: PoolClient, migrations: readonly PgMigration[], schemaName: string): Promise<PgMigrationResult> {
  await client.query(ledgerDdl);
  const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  const from = rows[0]?.v ?? 0;
  const latest = migrations.length;
  if (from > latest) {
    throw new VergeError('DB_SCHEMA_TOO_NEW', `PostgreSQL schema ${schemaName} is at schema version ${from}, this Verge knows versions up to ${latest}`, {
      details: { databaseVersion: from, knownVersion: latest },
    });
  }
  const applied: string[] = [];
  for (const m of migrations.slice(from)) {
    await client.query('BEGIN');
    try {
      await client.query(m.up);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    }
    applied.push(`${m.version}-${m.name}`);
  }
  return { from, to: Math.max(from, latest), applied };
}

async function currentSchema(client: PoolClient): Promise<string> {
  const { rows } = await client.query<{ s: string | null }>('SELECT current_schema() AS s');
  return rows[0]?.s ?? 'public';
}

function checkNumbering(migrations: readonly PgMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new VergeError('DB_MIGRATIONS_INVALID', `migration at index ${i} ("${m.name}") has version ${m.version}, expected ${i + 1}`);
    }
  });
}

/** Quotes an SQL identifier (doubling embedded quotes). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

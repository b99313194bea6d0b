import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the tests use: `$VERGE_TEST_PG_URL`, default the machine's server (trust auth on loopback,
 * database `test`; `.ci/run` makes sure it answers).
 */
export const PG_TEST_URL = process.env['VERGE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own for one test (or one store's life), dropped with everything in it by `drop()`. */
export interface PgTestSchema {
  readonly url: string;
  /** Lower-case, unique per call: tests in parallel never share tables. */
  readonly schema: string;
  /** The URL with `search_path` set to the schema (what `--db` takes when a test runs a whole cloud). */
  readonly urlWithSchema: string;
  drop(): Promise<void>;
}

/** Creates a fresh, empty schema on the test server. */
export async function createPgTestSchema(): Promise<PgTestSchema> {
  const schema = `verge_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE SCHEMA ${schema}`);
  const u = new URL(PG_TEST_URL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: PG_TEST_URL,
    schema,
    urlWithSchema: u.toString(),
    drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_TEST_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeSqlite, openSqlite, runMigrations } from '@verge/platform';
import { silentLog, tempDir } from '@verge/testkit';
import type { CloudStore } from '../../src/store/ports.js';
import { runPgMigrations } from '../../src/store/postgres/pg-migration-runner.js';
import { pgCloudMigrations } from '../../src/store/postgres/pg-migrations.js';
import { openPgPool } from '../../src/store/postgres/pg-pool.js';
import { openPostgresCloudStore } from '../../src/store/postgres/postgres-cloud-store.js';
import { cloudMigrations } from '../../src/store/sqlite/migrations.js';
import { openSqliteCloudStore } from '../../src/store/sqlite/sqlite-cloud-store.js';
import { aConfiguration } from './cloud-store-records.js';
import { createPgTestSchema } from './postgres-test-schema.js';

// A store written before deployments existed (SQLite schema 2, PostgreSQL schema 1) opens with its twins intact and
// without deployment statuses, and takes deployments from then on.
const DEVICE = "INSERT INTO devices (device_id, generation_id, etag, status, status_updated_at, auth_type, is_edge, created_at) VALUES ('d', '1', 'e1', 'enabled', 1, 'certificateAuthority', $edge, 1)";
const TWIN = `INSERT INTO twins (device_id, module_id, etag, version, tags, desired, reported) VALUES ('d', '$edgeAgent', 'AAAAAAAAAAE=', 1, '{}', '{"$version":1}', '{"$version":1}')`;

async function expectUpgraded(store: CloudStore): Promise<void> {
  const twin = await store.twins.get({ deviceId: 'd', moduleId: '$edgeAgent' });
  expect(twin).toMatchObject({ version: 1, properties: { desired: { $version: 1 } } });
  expect(twin !== undefined && 'configurations' in twin).toBe(false);
  expect(await store.configurations.list()).toEqual([]);
  await store.configurations.put(aConfiguration('c'), { ifAbsent: true });
  expect(await store.configurations.get('c')).toEqual(aConfiguration('c'));
}

describe('fleet store: upgrade of a store from before deployments', () => {
  it('SQLite from schema 2', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'cloud.db');
    const db = openSqlite(path);
    runMigrations(db, cloudMigrations.filter((m) => m.version <= 2));
    db.exec(DEVICE.replace('$edge', '1'));
    db.exec(TWIN);
    closeSqlite(db);
    const store = openSqliteCloudStore({ path });
    try {
      await expectUpgraded(store);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });

  it('PostgreSQL from schema 1', async () => {
    const pg = await createPgTestSchema();
    try {
      const pool = await openPgPool({ url: pg.url, schema: pg.schema });
      try {
        await runPgMigrations(pool, pgCloudMigrations.filter((m) => m.version <= 1), pg.schema);
        await pool.query(DEVICE.replace('$edge', 'true'));
        await pool.query(TWIN);
      } finally {
        await pool.end();
      }
      const store = await openPostgresCloudStore({ url: pg.url, schema: pg.schema, log: silentLog() });
      try {
        expect(store.migrations.from).toBe(1);
        await expectUpgraded(store);
      } finally {
        await store.close();
      }
    } finally {
      await pg.drop();
    }
  });
});

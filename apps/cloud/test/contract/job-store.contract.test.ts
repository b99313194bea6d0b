import { join } from 'node:path';
import { silentLog, tempDir } from '@verge/testkit';
import type { CloudStore } from '../../src/store/ports.js';
import { openPostgresCloudStore } from '../../src/store/postgres/postgres-cloud-store.js';
import { openSqliteCloudStore } from '../../src/store/sqlite/sqlite-cloud-store.js';
import { describeJobRepositoryContract } from './job-repository-contract.js';
import { createPgTestSchema } from './postgres-test-schema.js';

describeJobRepositoryContract('SQLite', async () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'cloud.db');
  let store: CloudStore = openSqliteCloudStore({ path });
  return {
    get store() {
      return store;
    },
    reopen: async () => {
      await store.close();
      store = openSqliteCloudStore({ path });
      return store;
    },
    dispose: async () => {
      await store.close();
      tmp.cleanup();
    },
  };
});

describeJobRepositoryContract('PostgreSQL', async () => {
  const pg = await createPgTestSchema();
  const open = () => openPostgresCloudStore({ url: pg.url, schema: pg.schema, log: silentLog() });
  let store: CloudStore = await open();
  return {
    get store() {
      return store;
    },
    reopen: async () => {
      await store.close();
      store = await open();
      return store;
    },
    dispose: async () => {
      await store.close();
      await pg.drop();
    },
  };
});

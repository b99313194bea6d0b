import { silentLog } from '@verge/testkit';
import type { CloudStore } from '../../src/store/ports.js';
import { openPostgresCloudStore } from '../../src/store/postgres/postgres-cloud-store.js';
import { describeCloudStoreContract } from './cloud-store-contract.js';
import { createPgTestSchema } from './postgres-test-schema.js';

// Each test in a fresh schema of the test server, dropped afterwards: runs in parallel with anything else.
describeCloudStoreContract('PostgreSQL', async () => {
  const pg = await createPgTestSchema();
  const open = () => openPostgresCloudStore({ url: pg.url, schema: pg.schema, log: silentLog() });
  const stores: CloudStore[] = [await open()];
  return {
    store: stores[0] as CloudStore,
    reopen: async () => {
      await stores[0]?.close();
      stores[0] = await open();
      return stores[0];
    },
    openAnother: async () => {
      const other = await open();
      stores.push(other);
      return other;
    },
    dispose: async () => {
      for (const s of stores) await s.close();
      await pg.drop();
    },
  };
});

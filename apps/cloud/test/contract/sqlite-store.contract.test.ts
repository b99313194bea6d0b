import { join } from 'node:path';
import { tempDir } from '@verge/testkit';
import type { CloudStore } from '../../src/store/ports.js';
import { openSqliteCloudStore } from '../../src/store/sqlite/sqlite-cloud-store.js';
import { describeCloudStoreContract } from './cloud-store-contract.js';

describeCloudStoreContract('SQLite', async () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'cloud.db');
  const open: CloudStore[] = [openSqliteCloudStore({ path })];
  return {
    store: open[0] as CloudStore,
    reopen: async () => {
      await open[0]?.close();
      open[0] = openSqliteCloudStore({ path });
      return open[0];
    },
    openAnother: async () => {
      const other = openSqliteCloudStore({ path });
      open.push(other);
      return other;
    },
    dispose: async () => {
      for (const s of open) await s.close();
      tmp.cleanup();
    },
  };
});

import { join } from 'node:path';
import { openSqliteCloudStore } from '../../../src/store/sqlite/sqlite-cloud-store.js';
import { describeCloudStoreContract } from '../../helpers/cloud-store-contract.js';
import { tempDir } from '@verge/testkit';

describeCloudStoreContract('SQLite', () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'cloud.db');
  let current = openSqliteCloudStore({ path });
  return {
    store: current,
    reopen: () => (current = openSqliteCloudStore({ path })),
    dispose: () => {
      current.close();
      tmp.cleanup();
    },
  };
});

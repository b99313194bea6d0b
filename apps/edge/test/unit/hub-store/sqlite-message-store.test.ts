import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMessageStoreContract } from '@verge/testkit';
import { openSqliteMessageStore } from '../../../src/hub/store/index.js';

describeMessageStoreContract({
  name: 'SQLite message store',
  persistent: true,
  make: () => {
    const dir = mkdtempSync(join(tmpdir(), 'verge-hub-store-'));
    return { open: (o) => openSqliteMessageStore({ path: join(dir, 'messages.db'), ...o }), dispose: () => rmSync(dir, { recursive: true, force: true }) };
  },
});

import { afterEach } from 'vitest';
import { silentLog } from '@verge/testkit';
import { openPostgresCloudStore, type PostgresCloudStore, type PostgresCloudStoreOptions } from '../../src/store/postgres/postgres-cloud-store.js';
import { createPgTestSchema, type PgTestSchema } from './postgres-test-schema.js';

/** Fresh schemas and PostgreSQL stores for the tests of one file, closed and dropped after each test (newest first). */
export interface PgStoreFixture {
  freshSchema(): Promise<PgTestSchema>;
  openStore(s: PgTestSchema, over?: Partial<PostgresCloudStoreOptions>): Promise<PostgresCloudStore>;
  /** Runs `fn` after the current test, with the fixture's own clean-ups. */
  onCleanup(fn: () => Promise<void>): void;
}

/** Registers the `afterEach` that cleans up; call once at the top level of a test file. */
export function usePgStores(): PgStoreFixture {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    async freshSchema() {
      const s = await createPgTestSchema();
      cleanups.push(() => s.drop());
      return s;
    },
    async openStore(s, over = {}) {
      const store = await openPostgresCloudStore({ url: s.url, schema: s.schema, log: silentLog(), ...over });
      cleanups.push(() => store.close());
      return store;
    },
    onCleanup: (fn) => void cleanups.push(fn),
  };
}

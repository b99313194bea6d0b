import type { Logger } from '@verge/platform';
import type { CloudStore } from './ports.js';
import { openSqliteCloudStore } from './sqlite/sqlite-cloud-store.js';

/**
 * The one place the cloud picks its store: `db` unset, SQLite at `sqlitePath` (the default, in the data
 * directory); a `postgres://…` URL, PostgreSQL, migrated at open (start fails with CLD_DATABASE_URL_INVALID for any
 * other URL, CLD_DATABASE_UNAVAILABLE when the server cannot be used). `pg` is loaded only then.
 */
export async function openCloudStore(where: { readonly sqlitePath: string; readonly db?: string | undefined }, log: Logger): Promise<CloudStore> {
  if (where.db === undefined) return openSqliteCloudStore({ path: where.sqlitePath });
  const { openPostgresCloudStore } = await import('./postgres/postgres-cloud-store.js');
  return openPostgresCloudStore({ url: where.db, log: log.child({ component: 'postgres' }) });
}

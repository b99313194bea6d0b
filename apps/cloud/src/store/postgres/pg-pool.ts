import pg from 'pg';
import { VergeError } from '@verge/contracts';
import type { Logger } from '@verge/platform';

/** Options of `openPgPool`. */
export interface PgPoolOptions {
  /** `postgres://user:password@host:port/database?…` (or `postgresql://`). */
  readonly url: string;
  /** Schema every connection uses (`search_path`); lower-case letters, digits and `_`. Default: the server's. */
  readonly schema?: string;
  /** Most connections the pool opens (default 10). */
  readonly maxConnections?: number;
  /** How long the first connection may take before start fails (default 10 s). */
  readonly connectTimeoutMs?: number;
  readonly log?: Logger;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

// bigint columns hold epoch ms and sequence numbers, all below 2^53: read them as numbers, not strings.
// Per pool (the `types` option), so no other user of `pg` in the process is affected.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** True when `url` has the scheme of a PostgreSQL connection URL (what `--db` selects PostgreSQL with). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** `host:port/database` of a URL, without user or password: safe for messages and logs. */
export function describePgTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname === '' || u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Opens a pool on the PostgreSQL server of `url` and proves it usable with one round trip, so a wrong URL or an
 * unreachable server fails start: CLD_DATABASE_URL_INVALID for a URL that is not `postgres://…`,
 * CLD_DATABASE_UNAVAILABLE (naming the server and the cause: refused, unknown host, timeout, login refused, no
 * such database) when the server cannot be used. Idle-connection errors are logged, never thrown.
 */
export async function openPgPool(options: PgPoolOptions): Promise<pg.Pool> {
  checkUrl(options.url);
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new VergeError('CLD_DATABASE_URL_INVALID', `invalid PostgreSQL schema name "${options.schema}": lower-case letters, digits and _`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  pool.on('error', (err) => options.log?.warn({ err, component: 'postgres' }, 'idle PostgreSQL connection failed'));
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw databaseUnavailable(options.url, e);
  }
  return pool;
}

/**
 * CLD_DATABASE_UNAVAILABLE for the server of `url` (never its password) failing with `e`; `stage` names what failed
 * after the connection itself worked (e.g. migrating the schema).
 */
export function databaseUnavailable(url: string, e: unknown, stage?: string): VergeError {
  const target = describePgTarget(url);
  const cause = describeCause(e);
  return new VergeError('CLD_DATABASE_UNAVAILABLE', `cannot use PostgreSQL at ${target}: ${stage === undefined ? '' : `${stage}: `}${cause}`, {
    details: { target, cause },
    cause: e,
  });
}

function checkUrl(url: string): void {
  let ok = isPostgresUrl(url);
  if (ok) {
    try {
      // An '@' after the host is the tail of a password holding an unencoded '@': the URL would name the wrong host
      // and carry the rest of the password in its database name, into every message.
      ok = !/@/.test(new URL(url).pathname);
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    throw new VergeError('CLD_DATABASE_URL_INVALID', `invalid database URL ${redactUrl(url)}: expected postgres://[user[:password]@]host[:port]/database`, {
      details: { url: redactUrl(url) },
    });
  }
}

/**
 * The URL with its password replaced by `***` (the URL is printed in errors). The password runs from the first `:`
 * after the user to the last `@`: an unencoded `/`, `@`, `#` or `?` in it (what makes a URL invalid) stays hidden.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url);
  const rest = m?.[2];
  if (m === null || rest === undefined) return url;
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return url;
  return `${m[1]}${rest.slice(0, colon + 1)}***${rest.slice(at)}`;
}

function describeCause(e: unknown): string {
  // Node's happy-eyeballs connect fails with an AggregateError whose own message is empty.
  if (e instanceof AggregateError && e.message === '') return describeCause(e.errors[0]);
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  const hints: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is PostgreSQL running and listening there?)',
    ENOTFOUND: 'unknown host',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    // SQLSTATEs of a server that answers but will not take the tables.
    '3F000': 'no schema to create the tables in (the search_path, e.g. options=-c search_path=…, names a schema that does not exist: create it first)',
    '42501': `${e.message} (the role may not create tables there)`,
  };
  if (typeof code === 'string' && hints[code] !== undefined) return `${hints[code]} (${code})`;
  if (e.message.includes('timeout')) return `no answer in time (${e.message})`;
  return typeof code === 'string' ? `${e.message} (${code})` : e.message;
}

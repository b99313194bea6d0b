import { isBusPrefix } from './nats-subjects.js';

/** Where a cloud's bus is: the NATS server(s) and the prefix of every subject, stream and bucket name. */
export interface BusLocation {
  /** The URL without its query (user and password, when given, stay in it). */
  readonly server: string;
  readonly prefix: string;
}

/** Default prefix: one cloud per NATS server. */
export const DEFAULT_BUS_PREFIX = 'verge';

/**
 * Parses `nats://[user:password@]host[:port][?prefix=name]` (or `tls://`); `prefix` separates clouds (or test runs)
 * sharing one NATS server. Returns an error message for anything else.
 */
export function parseBusUrl(url: string): BusLocation | string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'must be a URL like nats://127.0.0.1:4222';
  }
  if (u.protocol !== 'nats:' && u.protocol !== 'tls:') return `must start with nats:// or tls:// (got ${u.protocol}//)`;
  if (u.hostname === '') return 'must name a host';
  if (u.pathname !== '' && u.pathname !== '/') return 'must not have a path (use ?prefix= to separate clouds)';
  const prefix = u.searchParams.get('prefix') ?? DEFAULT_BUS_PREFIX;
  if (!isBusPrefix(prefix)) return 'prefix must be 1 to 64 letters, digits, "_" or "-"';
  for (const key of u.searchParams.keys()) if (key !== 'prefix') return `unknown parameter '${key}' (only prefix)`;
  u.search = '';
  return { server: u.toString().replace(/\/$/u, ''), prefix };
}

/** The URL with any password hidden, for logs and messages. */
export function redactBusUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { base64urlnopad, utf8 } from '@scure/base';
import { VergeError } from '@verge/contracts';
import type { Query } from './query-ast.js';

/**
 * Continuation tokens of twin queries (IoT Hub `x-ms-continuation`, opaque to clients). A token records where
 * the next page starts and the query it belongs to:
 *
 * - for a plain query, the key `(deviceId, moduleId)` of the last row returned plus the number of items returned
 *   so far (for `TOP`); the next page resumes after that key, so rows added or removed between pages neither
 *   repeat nor skip other rows. The rows must be passed in ascending key order (ordinal string order);
 * - for an aggregating query, the offset into its result rows.
 *
 * Format: base64url (no padding) of JSON `{ v: 1, q, … }` where `q` is a digest of the query text.
 */
export type QueryPosition =
  | { readonly kind: 'after-key'; readonly deviceId: string; readonly moduleId?: string; readonly emitted: number }
  | { readonly kind: 'offset'; readonly offset: number };

/** The key rows are ordered and resumed by: `deviceId`, then `moduleId` (device twins have none). */
export interface RowKey {
  readonly deviceId: string;
  readonly moduleId?: string;
}

/** Ordinal order of row keys; a device twin (no moduleId) sorts before its module twins. */
export function compareRowKeys(a: RowKey, b: RowKey): number {
  if (a.deviceId !== b.deviceId) return a.deviceId < b.deviceId ? -1 : 1;
  const am = a.moduleId ?? '';
  const bm = b.moduleId ?? '';
  if (am === bm) return 0;
  return am < bm ? -1 : 1;
}

function queryDigest(query: Query): string {
  return bytesToHex(sha256(utf8ToBytes(query.text))).slice(0, 16);
}

/** Encodes a position of `query` as an opaque continuation token. */
export function encodeContinuation(query: Query, position: QueryPosition): string {
  const body =
    position.kind === 'offset'
      ? { v: 1, q: queryDigest(query), o: position.offset }
      : { v: 1, q: queryDigest(query), d: position.deviceId, m: position.moduleId ?? null, n: position.emitted };
  return base64urlnopad.encode(utf8ToBytes(JSON.stringify(body)));
}

function invalid(message: string): VergeError {
  return new VergeError('QUERY_CONTINUATION_INVALID', `continuation token: ${message}`);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseBody(token: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(utf8.encode(base64urlnopad.decode(token)));
  } catch {
    throw invalid('is not a token issued by this service');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('is not a token issued by this service');
  return body as Record<string, unknown>;
}

/**
 * Decodes a token issued by `encodeContinuation` for the same query text. Throws VergeError
 * `QUERY_CONTINUATION_INVALID` when the token is malformed or belongs to another query.
 */
export function decodeContinuation(query: Query, token: string): QueryPosition {
  const body = parseBody(token);
  if (body['v'] !== 1) throw invalid('has an unknown version');
  if (body['q'] !== queryDigest(query)) throw invalid('was issued for a different query');
  if (query.aggregate) {
    if (!isCount(body['o'])) throw invalid('does not hold a result offset');
    return { kind: 'offset', offset: body['o'] };
  }
  const { d, m, n } = body;
  if (typeof d !== 'string' || (m !== null && typeof m !== 'string') || !isCount(n)) throw invalid('does not hold a row position');
  return { kind: 'after-key', deviceId: d, ...(m === null ? {} : { moduleId: m }), emitted: n };
}

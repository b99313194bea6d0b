import { equalsIgnoreCase } from './invariant-text.js';
import { decodeText } from './text-decode.js';
import type { BodyEncoding } from './text-decode.js';

/**
 * `$body.<path>` support (reference §3.3): the path grammar of edgeHub's `JsonPath.g4`
 * (`name(.name | name[index])*`), decoding of the body, and lookup with edgeHub's value model: a path that does
 * not exist yields JSON `null` (edgeHub returns `QueryValue.Null`), an object or array yields undefined, and an
 * undecodable body yields undefined.
 */

/** One `name` or `name[index]` step of a body path. */
export interface BodyPathSegment {
  readonly name: string;
  readonly index: number | undefined;
}

/** A validated body path. */
export type BodyPath = readonly BodyPathSegment[];

/** The body of one message, decoded once: a JSON object, or why it cannot be queried. */
export type BodyDocument = { readonly ok: true; readonly root: object } | { readonly ok: false; readonly reason: string };

/** Result of a raw lookup: the JSON node, or why there is none. */
export type BodyNode = { readonly found: true; readonly node: unknown } | { readonly found: false; readonly error: boolean };

// JsonPath.g4 IDENTIFIER characters; an all-digit name lexes as INT there, which the grammar rejects.
const SEGMENT = /^([^()<>@,;:\\"/[\]?={}.\t\n\r]+)(?:\[(\d+)\])?$/;
const INT32_MAX = 2147483647;

/** Parses a body path (the text after `$body.`); returns the problem as a sentence when it is not supported. */
export function parseBodyPath(query: string): { ok: true; path: BodyPath } | { ok: false; problem: string } {
  if (query === '') return { ok: false, problem: 'the path after $body. is empty' };
  const path: BodyPathSegment[] = [];
  for (const part of query.split('.')) {
    if (part === '') return { ok: false, problem: `'${query}' has an empty property name (two dots, or a leading or trailing dot)` };
    const m = SEGMENT.exec(part);
    const name = m?.[1];
    if (m === null || name === undefined || /^\d+$/.test(name)) {
      return { ok: false, problem: `'${part}' in '${query}' is not a property name or name[index]` };
    }
    path.push({ name, index: m[2] === undefined ? undefined : Number(m[2]) });
  }
  return { ok: true, path };
}

const ENCODINGS: readonly BodyEncoding[] = ['utf-8', 'utf-16', 'utf-32'];

/**
 * Decodes a body for queries: contentType must be `application/json` and contentEncoding utf-8, utf-16 or utf-32
 * (both compared case-insensitively, as edgeHub does), and the body must be a JSON object.
 */
export function parseBody(body: Uint8Array, contentType: string | undefined, contentEncoding: string | undefined): BodyDocument {
  if (contentEncoding === undefined) return { ok: false, reason: 'the message has no contentEncoding' };
  const encoding = ENCODINGS.find((e) => equalsIgnoreCase(e, contentEncoding));
  if (encoding === undefined) {
    return { ok: false, reason: `contentEncoding '${contentEncoding}' is not utf-8, utf-16 or utf-32` };
  }
  if (contentType === undefined) return { ok: false, reason: 'the message has no contentType' };
  if (!equalsIgnoreCase(contentType, 'application/json')) {
    return { ok: false, reason: `contentType '${contentType}' is not application/json` };
  }
  let root: unknown;
  try {
    root = JSON.parse(decodeText(body, encoding));
  } catch {
    return { ok: false, reason: 'the body is not valid JSON' };
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    return { ok: false, reason: 'the body is JSON but not an object' };
  }
  return { ok: true, root };
}

function child(node: unknown, segment: BodyPathSegment): BodyNode {
  if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, segment.name)) {
    return { found: false, error: false };
  }
  const value: unknown = (node as Record<string, unknown>)[segment.name];
  if (segment.index === undefined) return { found: true, node: value };
  // edgeHub (Newtonsoft JPath) parses the index as an int at evaluation time; beyond int32 that throws.
  if (segment.index > INT32_MAX) return { found: false, error: true };
  if (!Array.isArray(value) || segment.index >= value.length) return { found: false, error: false };
  return { found: true, node: value[segment.index] };
}

/** Follows a path from the document root. */
export function lookupNode(doc: BodyDocument, path: BodyPath): BodyNode {
  if (!doc.ok) return { found: false, error: true };
  let result: BodyNode = { found: true, node: doc.root };
  for (const segment of path) {
    if (!result.found) return result;
    result = child(result.node, segment);
  }
  return result;
}

/** The route-language value of a body path: a JSON primitive, `null` when missing, undefined for objects/errors. */
export function bodyValue(doc: BodyDocument, path: BodyPath): boolean | number | string | null | undefined {
  const result = lookupNode(doc, path);
  if (!result.found) return result.error ? undefined : null;
  const v = result.node;
  // JSON.parse never yields NaN; a huge literal yields ±Infinity, which edgeHub also keeps as a defined number.
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' || v === null) return v;
  return undefined;
}

import { CREATE_OPTIONS_CHUNK_SIZE, CREATE_OPTIONS_MAX_CHUNKS, VergeError } from '@verge/contracts';
import { isPlainObject } from '../twin/json.js';
import { jsonProblem } from './json-check.js';

// createOptions chunking rule (reference §1.3; EA `DockerConfig.cs`, `JsonEx.cs` ChunkedValue).
const PIECE_KEY = /^createoptions([0-9]*)$/i;
const PREFIX_LENGTH = 'createOptions'.length;

/** True for `createOptions`, `createOptions01`, … in any letter case: the keys the reader collects. */
export function isCreateOptionsKey(key: string): boolean {
  return PIECE_KEY.test(key);
}

/** The key of piece `index`: `createOptions`, then `createOptions01` … `createOptions99`. */
export function createOptionsKey(index: number): string {
  return index === 0 ? 'createOptions' : `createOptions${String(index).padStart(2, '0')}`;
}

/** Outcome of joining createOptions pieces: the JSON text (undefined when there is none), or the offending key. */
export type CreateOptionsJoin =
  | { readonly ok: true; readonly json: string | undefined }
  | { readonly ok: false; readonly key: string | undefined; readonly rule: 'chunking' | 'type'; readonly message: string };

/**
 * Joins the createOptions pieces of a `settings` object, exactly as EA reads them: collect the keys matching
 * `createOptions[0-9]*` (any case), sort them ordinally ignoring case, require the first to have no suffix and the
 * k-th to have the numeric suffix k, then concatenate. More than 100 pieces is an error. Every piece must be a string.
 */
export function joinCreateOptions(settings: Readonly<Record<string, unknown>>): CreateOptionsJoin {
  const keys = Object.keys(settings).filter(isCreateOptionsKey);
  if (keys.length === 0) return { ok: true, json: undefined };
  if (keys.length > CREATE_OPTIONS_MAX_CHUNKS) {
    return { ok: false, key: undefined, rule: 'chunking', message: `${keys.length} createOptions pieces exceed the limit of ${CREATE_OPTIONS_MAX_CHUNKS}` };
  }
  keys.sort(compareIgnoringCase);
  let json = '';
  for (const [index, key] of keys.entries()) {
    const problem = pieceProblem(key, index);
    if (problem !== undefined) return { ok: false, key, rule: 'chunking', message: problem };
    const value = settings[key];
    if (typeof value !== 'string') return { ok: false, key, rule: 'type', message: 'must be a string' };
    json += value;
  }
  return { ok: true, json };
}

function pieceProblem(key: string, index: number): string | undefined {
  const suffix = key.slice(PREFIX_LENGTH);
  if (index === 0) return suffix === '' ? undefined : `piece found without a "createOptions" piece before it`;
  if (suffix === '' || Number(suffix) !== index) return `is out of sequence: piece ${index} must be named ${JSON.stringify(createOptionsKey(index))}`;
  return undefined;
}

// .NET StringComparer.OrdinalIgnoreCase: compare the upper-cased code units.
function compareIgnoringCase(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Cuts createOptions JSON into the twin pieces `{ createOptions, createOptions01, … }` of at most 512 characters
 * (UTF-16 code units, as EA counts), never splitting a surrogate pair. Throws MANIFEST_CREATE_OPTIONS_TOO_LONG
 * when more than 100 pieces would be needed. `joinCreateOptions(chunkCreateOptions(s))` gives `s` back.
 */
export function chunkCreateOptions(json: string): Record<string, string> {
  const pieces: string[] = [];
  let start = 0;
  do {
    let end = Math.min(start + CREATE_OPTIONS_CHUNK_SIZE, json.length);
    if (end < json.length && isHighSurrogate(json.charCodeAt(end - 1))) end--;
    pieces.push(json.slice(start, end));
    start = end;
  } while (start < json.length);
  if (pieces.length > CREATE_OPTIONS_MAX_CHUNKS) {
    throw new VergeError(
      'MANIFEST_CREATE_OPTIONS_TOO_LONG',
      `createOptions is ${json.length} characters long; a twin holds at most ${CREATE_OPTIONS_MAX_CHUNKS} pieces of ${CREATE_OPTIONS_CHUNK_SIZE} characters`,
      { details: { length: json.length } },
    );
  }
  return Object.fromEntries(pieces.map((piece, index) => [createOptionsKey(index), piece]));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Outcome of reading createOptions JSON text: the object, or what is wrong with it. */
export type CreateOptionsParse = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly message: string };

/**
 * Parses createOptions text: `""`, whitespace and `"null"` mean `{}` (reference §1.3); anything else must be a
 * JSON object (Docker Engine `ContainerCreate` options) nested at most 64 levels.
 */
export function parseCreateOptionsText(text: string): CreateOptionsParse {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'null') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { ok: false, message: 'is not valid JSON' };
  }
  if (!isPlainObject(value)) return { ok: false, message: `must be a JSON object, not ${Array.isArray(value) ? 'an array' : typeof value}` };
  const problem = jsonProblem(value);
  return problem === undefined ? { ok: true, value } : { ok: false, message: problem.text };
}

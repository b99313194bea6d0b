import { VergeError } from '@verge/contracts';
import { parseHostPort } from '@verge/core';

// Parsers of command-line values. Each throws VergeError CLI_ARGUMENT_INVALID whose message names the flag and the
// rule broken; the command runner turns it into exit code 2.

/** Parses repeated `k=v` values of `flag` into a record; the key must be non-empty, the value may contain `=`. */
export function parseKeyValues(flag: string, values: readonly string[]): Record<string, string> {
  const out = dictionary<string>();
  for (const [index, item] of values.entries()) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw invalid(flag, `value #${index + 1} "${item}" is not of the form key=value${eq === 0 ? ' (empty key)' : ''}`);
    }
    const key = item.slice(0, eq);
    if (Object.hasOwn(out, key)) throw invalid(flag, `key "${key}" is given twice`);
    out[key] = item.slice(eq + 1);
  }
  return out;
}

/** Parses `text` as JSON; `what` says which flag or file it came from. */
export function parseJson(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid(what, `is not valid JSON: ${(e as Error).message}`);
  }
}

/** Parses `text` as a JSON object (not an array, not a scalar). */
export function parseJsonObject(what: string, text: string): Record<string, unknown> {
  const value = parseJson(what, text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(what, `must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`);
  }
  return value as Record<string, unknown>;
}

/** Parses a whole number in [min, max]. */
export function parseIntegerFlag(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw invalid(flag, `"${text}" is not a whole number`);
  const value = Number(text.trim());
  if (value < min || value > max) throw invalid(flag, `${value} is outside ${min}..${max}`);
  return value;
}

/**
 * Builds twin tags from `k=v` pairs. Values stay strings (predictable: `--tags floor=03` keeps "03"; use
 * `verge twin update --tags JSON` for other JSON types). Dots in keys nest (`location.city=Oslo`), as tag paths in
 * IoT Hub queries do (`tags.location.city`).
 */
export function tagsFromKeyValues(flag: string, pairs: Readonly<Record<string, string>>): Record<string, unknown> {
  const tags = dictionary<unknown>();
  for (const [key, value] of Object.entries(pairs)) {
    const path = key.split('.');
    if (path.some((p) => p === '')) throw invalid(flag, `key "${key}" has an empty path segment`);
    setPath(flag, tags, path, value);
  }
  return tags;
}

function setPath(flag: string, target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const [i, part] of path.entries()) {
    if (i === path.length - 1) {
      if (Object.hasOwn(node, part)) throw invalid(flag, `key "${path.join('.')}" is given twice or conflicts with another key`);
      node[part] = value;
      return;
    }
    const next = node[part];
    if (next === undefined) node = node[part] = dictionary<unknown>();
    else if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else throw invalid(flag, `key "${path.join('.')}" conflicts with "${path.slice(0, i + 1).join('.')}"`);
  }
}

/** Checks a `host[:port]` flag value (`--gateway`); returns it unchanged. */
export function checkHostFlag(flag: string, value: string): string {
  const parsed = parseHostPort(value);
  if (typeof parsed === 'string') throw invalid(flag, `"${value}" is not host[:port]: ${parsed}`);
  return value;
}

// Keys come from the command line: a null-prototype object keeps `__proto__`, `constructor`… as plain keys.
function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The VergeError for a bad value of `flag`. */
export function invalid(flag: string, rule: string): VergeError {
  return new VergeError('CLI_ARGUMENT_INVALID', `${flag} ${rule}`, { details: { flag } });
}

/** The value of a flag that must be one of `allowed`; CLI_ARGUMENT_INVALID naming the flag otherwise. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw invalid(flag, `"${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

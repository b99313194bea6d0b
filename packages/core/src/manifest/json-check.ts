import { isPlainObject } from '../twin/json.js';

/** A value that is not plain JSON: where (segments below the checked value) and why. */
export interface JsonProblem {
  readonly at: readonly (string | number)[];
  readonly text: string;
}

/** Deepest nesting accepted inside `createOptions`; Docker's own options nest about 5 levels. */
export const MAX_CREATE_OPTIONS_DEPTH = 64;

/**
 * Checks that `value` is plain JSON (objects, arrays, strings, finite numbers, booleans, null) nested at most
 * `maxDepth` levels, so that JSON.stringify gives it back faithfully and cannot overflow the stack.
 */
export function jsonProblem(value: unknown, maxDepth: number = MAX_CREATE_OPTIONS_DEPTH): JsonProblem | undefined {
  return check(value, [], 0, maxDepth);
}

function check(value: unknown, at: (string | number)[], depth: number, maxDepth: number): JsonProblem | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { at, text: `${String(value)} is not a JSON number` };
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) return { at, text: `${typeof value} is not a JSON value` };
  if (depth >= maxDepth) return { at, text: `nests deeper than ${maxDepth} levels` };
  if (isArray) {
    for (let i = 0; i < value.length; i++) {
      const p = check(value[i], [...at, i], depth + 1, maxDepth);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const p = check(value[key], [...at, key], depth + 1, maxDepth);
    if (p !== undefined) return p;
  }
  return undefined;
}

import { cloneJson, getOwn, isPlainObject, setOwn } from './json.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * JSON merge patch (RFC 7386 §2): an object patch merges key by key into `target` (a non-object target becomes
 * `{}`), a `null` member deletes the key, any other patch value (arrays included) replaces the target. Neither
 * argument is mutated; the result shares unchanged subtrees of `target` and copies everything taken from
 * `patch`, so documents must be treated as immutable. `undefined` target means "absent".
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isPlainObject(patch)) return cloneJson(patch);
  const result: JsonObject = {};
  if (isPlainObject(target)) for (const key of Object.keys(target)) setOwn(result, key, target[key]);
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) delete result[key];
    else setOwn(result, key, applyMergePatch(getOwn(result, key) as JsonValue | undefined, value));
  }
  return result;
}

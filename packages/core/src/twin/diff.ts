import { cloneJson, getOwn, isPlainObject, jsonEqual, setOwn } from './json.js';
import { TWIN_SYSTEM_KEYS } from './limits.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * The merge patch (RFC 7386) that turns twin section `previous` into `next`: keys missing from `next` (or `null`
 * there) become `null`, objects present on both sides are diffed recursively, anything else that differs is
 * copied (arrays as a whole). Root `$version` and `$metadata` are ignored. For any two sections,
 * `applyMergePatch(previous, diffTwinSection(previous, next))` equals `next` without its `null` members; an empty
 * patch means "no change". The cloud uses it to push a desired patch when a whole desired section is replaced.
 */
export function diffTwinSection(previous: JsonObject, next: JsonObject): JsonObject {
  return diffObjects(previous, next, true);
}

function diffObjects(previous: JsonObject, next: JsonObject, root: boolean): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(previous)) {
    if (root && TWIN_SYSTEM_KEYS.has(key)) continue;
    // A null in `previous` (not a stored twin, which has none) is deleted too, so the result never keeps one.
    if ((getOwn(next, key) ?? null) === null) setOwn(patch, key, null);
  }
  for (const key of Object.keys(next)) {
    if (root && TWIN_SYSTEM_KEYS.has(key)) continue;
    const after = next[key] as JsonValue;
    if (after === null) continue;
    const before = getOwn(previous, key) as JsonValue | undefined;
    if (isPlainObject(before) && isPlainObject(after)) {
      const sub = diffObjects(before, after, false);
      if (Object.keys(sub).length > 0) setOwn(patch, key, sub);
    } else if (before === undefined || before === null || !jsonEqual(before, after)) {
      setOwn(patch, key, cloneJson(after));
    }
  }
  return patch;
}

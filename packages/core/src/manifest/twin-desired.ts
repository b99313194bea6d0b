import { getOwn, isPlainObject, setOwn } from '../twin/json.js';
import { TWIN_LIMITS, TWIN_SYSTEM_KEYS } from '../twin/limits.js';
import { chunkCreateOptions, isCreateOptionsKey } from './create-options.js';
import { jsonProblem } from './json-check.js';

// Containers deeper than this are left as they are: the twin depth check reports them without descending, so a
// hostile nesting depth never reaches a recursive copy.
const COPY_DEPTH = TWIN_LIMITS.maxDepth + 1;

/**
 * The desired section IoT Hub would store for a module twin block (reference §1.1): root `$version`/`$metadata`
 * dropped, `null` members dropped (a twin has no nulls). Never throws.
 */
export function renderDesired(desired: Record<string, unknown>): Record<string, unknown> {
  return copy(desired, 0, true) as Record<string, unknown>;
}

function copy(value: unknown, depth: number, root: boolean): unknown {
  if (depth > COPY_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => copy(v, depth + 1, false));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === null || (root && TWIN_SYSTEM_KEYS.has(key))) continue;
    setOwn(out, key, copy(v, depth + 1, false));
  }
  return out;
}

/**
 * The `$edgeAgent` desired section as the twin stores it: renderDesired, then every `createOptions` given as an
 * object (in `systemModules.*` and `modules.*`) becomes its JSON text cut into `createOptions`/`createOptionsNN`
 * pieces (reference §1.3: "Tools may send an object; the twin stores a string"). Objects that are not plain JSON,
 * or need more than 100 pieces, are left for the manifest faults. Never throws.
 */
export function renderEdgeAgentDesired(desired: Record<string, unknown>): Record<string, unknown> {
  const out = renderDesired(desired);
  for (const group of ['systemModules', 'modules']) {
    const modules = getOwn(out, group);
    if (!isPlainObject(modules)) continue;
    for (const id of Object.keys(modules)) {
      const module = modules[id];
      if (!isPlainObject(module)) continue;
      const settings = getOwn(module, 'settings');
      if (isPlainObject(settings)) setOwn(module, 'settings', stringifyCreateOptions(settings));
    }
  }
  return out;
}

function stringifyCreateOptions(settings: Record<string, unknown>): Record<string, unknown> {
  const given = getOwn(settings, 'createOptions');
  if (!isPlainObject(given) || jsonProblem(given) !== undefined) return settings;
  if (Object.keys(settings).some((k) => k !== 'createOptions' && isCreateOptionsKey(k))) return settings;
  let pieces: Record<string, string>;
  try {
    pieces = chunkCreateOptions(JSON.stringify(given));
  } catch {
    return settings; // more than 100 pieces: far over the 32 KB twin limit, which reports it
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(settings)) {
    if (key !== 'createOptions') setOwn(out, key, settings[key]);
    else for (const [piece, text] of Object.entries(pieces)) setOwn(out, piece, text);
  }
  return out;
}

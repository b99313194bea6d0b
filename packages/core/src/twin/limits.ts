import { isPlainObject, utf8Length } from './json.js';
import type { TwinSectionKind } from './types.js';

/**
 * IoT Hub twin limits (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins, sections "Tags and
 * properties format" and "Device twin size"; MicrosoftDocs/azure-docs articles/iot-hub/iot-hub-devguide-device-twins.md):
 * keys up to 1 KB UTF-8 without C0/C1 controls, `.`, `$` or SP; string values up to 4 KB UTF-8; integers in
 * [-4503599627370496, 4503599627370495]; depth of JSON objects at most 10; tags 8 KB, desired and reported 32 KB each,
 * excluding `$version` and `$metadata`.
 */
export const TWIN_LIMITS = {
  maxDepth: 10,
  maxKeyBytes: 1024,
  maxStringBytes: 4096,
  minInteger: -4_503_599_627_370_496,
  maxInteger: 4_503_599_627_370_495,
  maxBytes: { desired: 32_768, reported: 32_768, tags: 8_192 } satisfies Record<TwinSectionKind, number>,
} as const;

/** Keys at the root of desired/reported that IoT Hub owns; they are skipped by the key rules and the size. */
export const TWIN_SYSTEM_KEYS: ReadonlySet<string> = new Set(['$version', '$metadata']);

// Bytes IoT Hub counts for a number and a boolean ("Device twin size").
const NUMBER_BYTES = 8;
const BOOLEAN_BYTES = 4;

/**
 * Size of a twin section as IoT Hub computes it ("Device twin size"): for every property the UTF-8 length of its
 * key plus the size of its value; strings count their UTF-8 bytes without C0/C1 control characters, numbers
 * 8 bytes, booleans 4, objects and arrays the sum of their contents. `null` (only possible inside arrays, since a
 * `null` member deletes the key) counts 0. Root `$version` and `$metadata` are excluded. Iterative, so any depth
 * is safe; non-JSON values count 0 (they are rejected by the value rules).
 */
export function twinSectionSize(section: unknown): number {
  let total = 0;
  const seen = new Set<object>();
  const stack: { value: unknown; root: boolean }[] = [{ value: section, root: true }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, root } = item;
    if (typeof value === 'string') total += utf8Length(value, true);
    else if (typeof value === 'number') total += NUMBER_BYTES;
    else if (typeof value === 'boolean') total += BOOLEAN_BYTES;
    else if (typeof value === 'object' && value !== null && !seen.has(value)) {
      seen.add(value);
      if (Array.isArray(value)) for (const element of value) stack.push({ value: element, root: false });
      else if (isPlainObject(value)) {
        for (const key of Object.keys(value)) {
          if (root && TWIN_SYSTEM_KEYS.has(key)) continue;
          total += utf8Length(key, true);
          stack.push({ value: value[key], root: false });
        }
      }
    }
  }
  return total;
}

import type { PathExpr } from './ast.js';
import { resolvePath, rootKey } from './path.js';
import type { SelectClause } from './query-ast.js';
import { kindOf } from './values.js';

/**
 * Projection of rows into result items (iot-hub-devguide-query-language, SELECT clause). A property that a row
 * lacks is left out of its item, as IoT Hub omits undefined values.
 */

/** Deep copy of a JSON-like value, own enumerable keys only; non-JSON values are dropped. */
export function copyJson(value: unknown): unknown {
  switch (kindOf(value)) {
    case 'array':
      return (value as unknown[]).map((v) => {
        const c = copyJson(v);
        return c === undefined ? null : c;
      });
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value as object)) {
        const c = copyJson((value as Record<string, unknown>)[key]);
        if (c !== undefined) Object.defineProperty(out, key, { value: c, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'undefined':
      return undefined;
    default:
      return value;
  }
}

/**
 * The result key of a projected path: its alias, else its last segment — for a one-segment path, the spelling
 * the twin uses (`SELECT DeviceId` yields `deviceId`, learn.microsoft.com/azure/iot-hub/query-twins).
 */
export function resultKey(path: PathExpr, alias: string | undefined, row: unknown): string {
  if (alias !== undefined) return alias;
  const last = path.segments.at(-1) ?? '';
  return path.segments.length === 1 ? (rootKey(row, last) ?? last) : last;
}

/** Sets `key` on `item` when `value` is defined (own property, safe for `__proto__`). */
export function setDefined(item: Record<string, unknown>, key: string, value: unknown): void {
  const v = copyJson(value);
  if (v !== undefined) Object.defineProperty(item, key, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Projects one row of a non-aggregating query: the whole twin for `*`, else the listed properties. */
export function projectRow(select: SelectClause, row: unknown): unknown {
  if (select.kind === 'star') return copyJson(row);
  const item: Record<string, unknown> = {};
  for (const s of select.items) {
    if (s.kind === 'path') setDefined(item, resultKey(s.path, s.alias, row), resolvePath(row, s.path.segments));
  }
  return item;
}

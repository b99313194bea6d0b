import type { PathExpr } from './ast.js';
import type { AggregateName } from './functions.js';
import { resolvePath } from './path.js';
import { resultKey, setDefined } from './project.js';
import type { Query, SelectItem } from './query-ast.js';
import { kindOf } from './values.js';

/**
 * GROUP BY and aggregates (iot-hub-devguide-query-language, GROUP BY clause): rows are grouped by the values of
 * the GROUP BY properties (rows lacking one form their own group, whose item omits that key) and each group
 * yields one item. Groups come out in the order of their first row, so results follow the row order.
 * Without GROUP BY, the whole filtered set is one group — `SELECT COUNT() AS n FROM devices` yields one item
 * even when no row matches.
 *
 * Aggregates consider numeric values only: `SUM` of no numbers is 0 (as DocumentDB SQL, which the IoT Hub
 * engine follows); `AVG`, `MIN` and `MAX` of no numbers are left out of the item.
 */

interface Group {
  readonly first: unknown;
  readonly rows: unknown[];
}

/** A stable text key for a group value; object keys are sorted so equal JSON groups together. */
function groupKeyPart(value: unknown): string {
  switch (kindOf(value)) {
    case 'undefined':
      return 'u';
    case 'array':
      return `[${(value as unknown[]).map(groupKeyPart).join(',')}]`;
    case 'object': {
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${groupKeyPart(obj[k])}`).join(',')}}`;
    }
    default:
      return JSON.stringify(value);
  }
}

function groupRows(rows: readonly unknown[], groupBy: readonly PathExpr[]): Group[] {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const key = groupBy.map((p) => groupKeyPart(resolvePath(row, p.segments))).join('|');
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { first: row, rows: [row] });
    else group.rows.push(row);
  }
  return [...groups.values()];
}

function numbers(rows: readonly unknown[], path: PathExpr | undefined): number[] {
  if (path === undefined) return [];
  return rows.map((r) => resolvePath(r, path.segments)).filter((v): v is number => kindOf(v) === 'number');
}

function aggregateValue(fn: AggregateName, rows: readonly unknown[], arg: PathExpr | undefined): number | undefined {
  const values = numbers(rows, arg);
  switch (fn) {
    case 'COUNT':
      return rows.length;
    case 'SUM':
      return values.reduce((a, b) => a + b, 0);
    case 'AVG':
      return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
    case 'MIN':
      return values.length === 0 ? undefined : values.reduce((a, b) => Math.min(a, b));
    case 'MAX':
      return values.length === 0 ? undefined : values.reduce((a, b) => Math.max(a, b));
    default: {
      const never: never = fn;
      return never;
    }
  }
}

function groupItem(select: readonly SelectItem[], group: Group): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  let unnamed = 0;
  for (const s of select) {
    if (s.kind === 'path') {
      setDefined(item, resultKey(s.path, s.alias, group.first), resolvePath(group.first, s.path.segments));
    } else {
      unnamed += s.alias === undefined ? 1 : 0;
      setDefined(item, s.alias ?? `$${unnamed}`, aggregateValue(s.fn, group.rows, s.arg));
    }
  }
  return item;
}

/** All result items of an aggregating query over the rows that passed its WHERE clause. */
export function aggregateRows(query: Query, rows: readonly unknown[]): Record<string, unknown>[] {
  if (query.select.kind === 'star') return [];
  const select = query.select.items;
  const groups = query.groupBy.length === 0 ? [{ first: rows[0], rows: [...rows] }] : groupRows(rows, query.groupBy);
  return groups.map((g) => groupItem(select, g));
}

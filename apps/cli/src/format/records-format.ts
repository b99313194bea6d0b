import { formatTable, type Column } from '../cli/table.js';

/**
 * A table of arbitrary query results (projections such as `SELECT deviceId, tags.site` or `SELECT COUNT() AS n`):
 * one column per top-level key in first-seen order; strings as they are, other values as compact JSON.
 */
export function recordTable(items: readonly unknown[]): string[] {
  const keys: string[] = [];
  for (const item of items) for (const key of Object.keys(asRecord(item))) if (!keys.includes(key)) keys.push(key);
  const columns: Column<unknown>[] = keys.map((key) => ({ header: key, cell: (row) => cellText(asRecord(row)[key]) }));
  return keys.length === 0 ? items.map((item) => cellText(item)) : formatTable(columns, items);
}

function asRecord(item: unknown): Record<string, unknown> {
  return typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : {};
}

function cellText(value: unknown): string {
  if (value === undefined) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

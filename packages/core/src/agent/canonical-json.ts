/**
 * JSON text with object keys sorted (by UTF-16 code units) at every level, no whitespace, `undefined` members
 * dropped: two values equal as JSON give the same text whatever their key order. Arrays keep their order.
 * Throws a TypeError on values JSON cannot hold (functions, symbols, bigints, cycles are not expected: the input
 * comes from parsed JSON).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} is not JSON`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort(compareCodeUnits)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

/** Ordinal string comparison (not locale-aware), for deterministic orders. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import { VergeError } from '@verge/contracts';
import type { Expr, PathExpr } from './ast.js';
import { Cursor, isReserved } from './cursor.js';
import { parseCondition, parsePath } from './expr-parser.js';
import { isAggregateName } from './functions.js';
import { tokenize } from './lexer.js';
import type { Query, QueryCollection, SelectClause, SelectItem } from './query-ast.js';
import { QUERY_DIALECT } from './syntax-error.js';

/** Longest query IoT Hub accepts: "Query expressions can have a maximum length of 8192 characters" (query-twins). */
export const MAX_QUERY_LENGTH = 8192;

/**
 * Parses a twin query (iot-hub-devguide-query-language):
 *
 *     SELECT [TOP n] * | item [AS alias] (, item [AS alias])*
 *     FROM devices | devices.modules
 *     [WHERE condition]
 *     [GROUP BY path (, path)*]
 *
 * where an item is a property path or an aggregate `COUNT()`, `SUM(path)`, `AVG(path)`, `MIN(path)`, `MAX(path)`.
 * Keywords are case-insensitive. `FROM devices.jobs` is not supported (Verge has no jobs). Throws a VergeError
 * `QUERY_INVALID` naming the line and column, what was expected and what was found.
 */
export function parseQuery(sql: string): Query {
  if (sql.length > MAX_QUERY_LENGTH) {
    throw new VergeError('QUERY_INVALID', `query: ${sql.length} characters is longer than the maximum of ${MAX_QUERY_LENGTH}`, {
      details: { length: sql.length, max: MAX_QUERY_LENGTH },
    });
  }
  const c = new Cursor(sql, tokenize(sql, QUERY_DIALECT), QUERY_DIALECT);
  c.expect('SELECT', 'SELECT');
  const top = c.accept('TOP') ? parseTop(c) : undefined;
  const select: SelectClause = c.accept('*') ? { kind: 'star' } : { kind: 'items', items: parseSelectList(c) };
  c.expect('FROM', select.kind === 'star' ? 'FROM' : "',' or FROM");
  const from = parseCollection(c);
  const where = c.accept('WHERE') ? parseCondition(c) : undefined;
  const groupBy = c.atKeyword('GROUP') ? parseGroupBy(c) : [];
  if (c.peek().kind !== 'eof') c.failExpected(nextClauses(where, groupBy));
  const aggregate = groupBy.length > 0 || (select.kind === 'items' && select.items.some((i) => i.kind === 'aggregate'));
  const query: Query = { text: sql, from, select, groupBy, aggregate, ...(top === undefined ? {} : { top }), ...(where === undefined ? {} : { where }) };
  checkGrouping(c, query);
  return query;
}

function nextClauses(where: Expr | undefined, groupBy: readonly PathExpr[]): string {
  if (groupBy.length > 0) return "',' or end of query";
  return where === undefined ? 'WHERE, GROUP BY or end of query' : 'AND, OR, GROUP BY or end of query';
}

function parseTop(c: Cursor): number {
  const t = c.peek();
  if (t.kind !== 'number' || !Number.isSafeInteger(t.value) || (t.value as number) < 0) c.failExpected('a non-negative integer after TOP');
  c.next();
  return t.value as number;
}

function parseSelectList(c: Cursor): SelectItem[] {
  const items: SelectItem[] = [];
  const names = new Set<string>();
  do {
    const start = c.peek().start;
    const item = parseSelectItem(c);
    const name = item.alias ?? (item.kind === 'path' ? item.path.segments.at(-1) : undefined);
    if (name !== undefined) {
      if (names.has(name)) c.fail(start, `duplicate result name '${name}' in the SELECT list: give one of them another name with AS`);
      names.add(name);
    }
    items.push(item);
  } while (c.accept(','));
  return items;
}

function parseSelectItem(c: Cursor): SelectItem {
  const t = c.peek();
  if (t.kind === 'name' && c.atOp('(', 1)) {
    const fn = t.text.toUpperCase();
    if (!isAggregateName(fn)) c.fail(t.start, `${t.text}() is not allowed in a SELECT list; it takes a property path or COUNT(), SUM(), AVG(), MIN(), MAX()`);
    c.next();
    c.next();
    if (fn === 'COUNT') {
      if (!c.atOp(')')) c.failExpected("')': COUNT takes no argument, write COUNT()");
      c.next();
      return withAlias(c, { kind: 'aggregate', fn });
    }
    const arg = parsePath(c);
    c.expect(')', "')'");
    return withAlias(c, { kind: 'aggregate', fn, arg });
  }
  if (t.kind === 'op' && t.text === '*') c.fail(t.start, "'*' must be the whole SELECT list");
  return withAlias(c, { kind: 'path', path: parsePath(c) });
}

function withAlias(c: Cursor, item: SelectItem): SelectItem {
  if (!c.accept('AS')) return item;
  const t = c.peek();
  if ((t.kind !== 'name' || isReserved(t.text)) && t.kind !== 'escaped') c.failExpected('a result name after AS');
  c.next();
  return { ...item, alias: t.value as string };
}

function parseCollection(c: Cursor): QueryCollection {
  if (!c.atKeyword('DEVICES')) c.failExpected('devices or devices.modules');
  c.next();
  if (!c.accept('.')) return 'devices';
  if (c.atKeyword('MODULES')) {
    c.next();
    return 'devices.modules';
  }
  if (c.atKeyword('JOBS')) c.fail(c.peek().start, 'devices.jobs is not supported: Verge has no jobs; query devices or devices.modules');
  c.failExpected("modules after 'devices.'");
}

function parseGroupBy(c: Cursor): PathExpr[] {
  c.next();
  c.expect('BY', 'BY after GROUP');
  const paths: PathExpr[] = [];
  do paths.push(parsePath(c));
  while (c.accept(','));
  return paths;
}

/** Same property path, the first segment compared case-insensitively as path resolution does. */
function samePath(a: PathExpr, b: PathExpr): boolean {
  return (
    a.segments.length === b.segments.length &&
    a.segments.every((s, i) => (i === 0 ? s.toLowerCase() === (b.segments[0] ?? '').toLowerCase() : s === b.segments[i]))
  );
}

// In an aggregating query each result row is a group, so a plain property in SELECT must be a GROUP BY key.
function checkGrouping(c: Cursor, q: Query): void {
  if (!q.aggregate) return;
  if (q.select.kind === 'star') c.fail(q.groupBy[0]?.start ?? 0, 'SELECT * cannot be combined with GROUP BY: list the grouped properties and aggregates');
  for (const item of q.select.items) {
    if (item.kind === 'path' && !q.groupBy.some((g) => samePath(g, item.path))) {
      c.fail(item.path.start, `'${item.path.segments.join('.')}' must appear in GROUP BY, or be inside an aggregate, in a query that aggregates`);
    }
  }
}

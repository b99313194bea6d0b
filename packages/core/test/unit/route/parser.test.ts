import { describe, expect, it } from 'vitest';
import type { Expr } from '../../../src/route/ast.js';
import { parseRoute } from '../../../src/route/parser.js';
import { routeErrors } from './helpers.js';

function show(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.value === undefined ? 'undefined' : JSON.stringify(e.value);
    case 'property':
      return e.name;
    case 'systemProperty':
      return e.escaped ? `{${e.name}}` : e.name;
    case 'call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'unary':
      return `(${e.op} ${show(e.operand)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
  }
}

const condition = (c: string) => {
  const parsed = parseRoute('r', `FROM /messages/* WHERE ${c} INTO $upstream`).condition;
  if (parsed === undefined) throw new Error('no condition');
  return show(parsed);
};

describe('parseRoute', () => {
  // Precedence top→bottom (reference §3.1): unary -, NOT; * / %; + - ||; < <= > >=; = != <>; AND; OR; ??.
  it.each([
    ['a = b OR c = d AND e = f', '((a = b) OR ((c = d) AND (e = f)))'],
    ['NOT a = b', '((NOT a) = b)'],
    ['NOT NOT a', '(NOT (NOT a))'],
    ['- a * b', '((- a) * b)'],
    ['- - 1', '(- (- 1))'],
    ['a + b * c - d', '((a + (b * c)) - d)'],
    ['a || b + c', '((a || b) + c)'],
    ['a + b < c', '((a + b) < c)'],
    ['a < b = c > d', '((a < b) = (c > d))'],
    ['a = b != c <> d', '(((a = b) != c) <> d)'],
    ['a ?? b OR c', '(a ?? (b OR c))'],
    ['a ?? b ?? c', '((a ?? b) ?? c)'],
    ['a % b / c * d', '(((a % b) / c) * d)'],
    ['(a OR b) AND c', '((a OR b) AND c)'],
    ['f(a, g(b), -1)', 'f(a, g(b), -1)'],
    ['f()', 'f()'],
    ['{ $x } = $y', '({$x} = $y)'],
    ['a -1', 'ERROR'],
  ])('%s ⇒ %s', (text, expected) => {
    let shown: string;
    try {
      shown = condition(text);
    } catch {
      shown = 'ERROR';
    }
    expect(shown).toBe(expected);
  });

  it('keeps the source path and condition text as written', () => {
    const r = parseRoute('r', '  select * from /*x*/ /messages/ modules /m where  a = "1"  /*c*/ AND b = \'2\'  into $UPSTREAM  ');
    expect(r.source).toBe('/messages/modules/m');
    expect(r.conditionText).toBe('a = "1"  /*c*/ AND b = \'2\'');
    expect(r.sink).toEqual({ kind: 'system', name: '$UPSTREAM', start: 84 });
  });

  it('lets a comment opened by a source wildcard swallow the WHERE clause, as edgeHub does', () => {
    // `/*` after the last '/' starts a comment that runs to the next `*/` (ANTLR longest match).
    const r = parseRoute('r', "FROM /messages/* WHERE a = 'b' /* note */ INTO $upstream");
    expect([r.source, r.condition]).toEqual(['/messages', undefined]);
  });

  it('accepts module and output names that collide with keywords or literals', () => {
    expect(parseRoute('r', 'FROM /messages/modules/not/outputs/1 INTO $upstream').source).toBe('/messages/modules/not/outputs/1');
    expect(parseRoute('r', 'FROM /messages/modules/true/outputs/select INTO $upstream').source).toBe('/messages/modules/true/outputs/select');
  });

  it('parses a function sink without unescaping the address', () => {
    expect(parseRoute('r', 'FROM /* INTO brokeredEndpoint(\'/modules/alert"Logic/inputs/in\')').sink).toEqual({
      kind: 'function', name: 'brokeredEndpoint', address: '/modules/alert"Logic/inputs/in', start: 13, addressStart: 30,
    });
  });
});

// edgeHub's invalid-route table (RouteFactoryTest) plus more, each with its exact message.
describe('syntax errors', () => {
  it.each([
    ['FORM /messages/modules/adapter INTO $upstream', "Route \"r\", column 1: expected SELECT or FROM, found 'FORM'"],
    ['SELECT FROM /messages INTO $upstream', "Route \"r\", column 8: expected '*' after SELECT, found 'FROM'"],
    ['FROM INTO $upstream', "Route \"r\", column 6: expected a source path starting with '/' (e.g. /messages/*), found 'INTO'"],
    ['FROM /* INTO brokeredEndpoint("/modules/alertLogic/inputs/in\')', 'Route "r", column 31: unterminated string "/modules/alertLogic/inputs/in\')'],
    ['FROM /* INTO brokeredEndpoint(""/modules/alertLogic/inputs/in"")', "Route \"r\", column 33: expected ')' after the endpoint address, found '/'"],
    ["FROM /* INTO brokeredEndpoint(''/modules/alertLogic/inputs/in'')", "Route \"r\", column 33: expected ')' after the endpoint address, found '/'"],
    ['FROM /messages WHERE temp == 100 INTO $upstream', "Route \"r\", column 28: expected an expression, found '='"],
    ['FROM /messages WHERE INTO $upstream', "Route \"r\", column 22: expected an expression, found 'INTO'"],
    ["FROM /messages WHERE temp = 'high' INTO", 'Route "r", column 40: expected a sink: $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>"), found end of route'],
    ['FROM /messages INTO brokeredEndpoint("/modules/alertLogic/inputs/in"', "Route \"r\", column 69: expected ')' after the endpoint address, found end of route"],
    ['FROM /messages INTO brokeredEndpoint("/modules/alertLogic/inputs/in)', 'Route "r", column 38: unterminated string "/modules/alertLogic/inputs/in)'],
    ['FROM /messages INTO brokeredEndpoint "/modules/alertLogic/inputs/in")', 'Route "r", column 21: expected a sink: $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>"), found \'brokeredEndpoint\''],
    ['FROM /messages INTO brokeredEndpoint(/modules/alertLogic/inputs/in")', "Route \"r\", column 38: expected a quoted endpoint address in brokeredEndpoint(…), found '/'"],
    ['FROM /messages INTO "/modules/alertLogic/inputs/in"', 'Route "r", column 21: expected a sink: $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>"), found \'"/modules/alertLogic/inputs/in"\''],
    ['FROM /messages INTO /modules/alertLogic/inputs/in', 'Route "r", column 21: expected a sink: $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>"), found \'/\''],
    ['FROM /messages INTO upstream', 'Route "r", column 21: expected a sink: $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>"), found \'upstream\''],
    ['', 'Route "r", column 1: route is empty; expected FROM (e.g. FROM /messages/* INTO $upstream)'],
    ['  /* only a comment */ ', 'Route "r", column 1: route is empty; expected FROM (e.g. FROM /messages/* INTO $upstream)'],
    ['FROM /messages/ INTO $upstream', "Route \"r\", column 17: expected a path segment or '*' after '/', found 'INTO'"],
    ['FROM messages INTO $upstream', "Route \"r\", column 6: expected a source path starting with '/' (e.g. /messages/*), found 'messages'"],
    ['FROM /messages $upstream', "Route \"r\", column 16: expected WHERE or INTO, found '$upstream'"],
    ['FROM /* INTO $upstream WHERE a = "b"', "Route \"r\", column 24: expected end of route after the sink, found 'WHERE'"],
    ['FROM /* WHERE (a = "b" INTO $upstream', "Route \"r\", column 24: missing closing ')' for the '(' at column 15, found 'INTO'"],
    ['FROM /* WHERE a = "b") INTO $upstream', "Route \"r\", column 22: unmatched closing ')' (expected an operator or INTO)"],
    ['FROM /* WHERE a @ b INTO $upstream', "Route \"r\", column 17: invalid symbol '@' (expected an operator or INTO)"],
    ['FROM /* WHERE a = ? INTO $upstream', "Route \"r\", column 19: invalid symbol '?' (expected an expression)"],
    ["FROM /* WHERE a = 'b INTO $upstream", "Route \"r\", column 19: unterminated string 'b INTO $upstream"],
    ['FROM /* WHERE as_number(a) -5 > 1 INTO $upstream', "Route \"r\", column 28: expected an operator or INTO, found '-5'; '-5' is a negative number, write '- 5' to subtract"],
    ['FROM /* WHERE f(a b) INTO $upstream', "Route \"r\", column 19: expected ',' or ')' in the arguments of 'f', found 'b'"],
    ['FROM /* WHERE { a } INTO $upstream', "Route \"r\", column 17: expected a $property after '{', found 'a'"],
    ['FROM /* WHERE {$a INTO $upstream', "Route \"r\", column 19: expected '}', found 'INTO'"],
    ['FROM /* WHERE a[0] = 1 INTO $upstream', "Route \"r\", column 15: expected an expression, found 'a[0]'"],
    ['FROM /* WHERE\n  a = 1 =\nINTO $upstream', "Route \"r\", line 3, column 1: expected an expression, found 'INTO'"],
  ])('%j', (text, message) => {
    const errors = routeErrors(text);
    expect(errors.map((e) => `${e.code}: ${e.message}`)).toEqual([`ROUTE_SYNTAX_INVALID: ${message}`]);
  });

  it('locates errors by line and column', () => {
    const [error] = routeErrors('FROM /* WHERE\n  a = 1 =\nINTO $upstream');
    expect([error?.line, error?.column]).toEqual([3, 1]);
  });

  it('refuses conditions nested too deeply for the compiler, with a typed error', () => {
    const deep = `${'('.repeat(150)}true${')'.repeat(150)}`;
    expect(routeErrors(`FROM /* WHERE ${deep} INTO $upstream`)[0]?.code).toBe('ROUTE_CONDITION_TOO_COMPLEX');
    const chain = Array.from({ length: 1500 }, (_, i) => `a = '${i}'`).join(' OR ');
    expect(routeErrors(`FROM /* WHERE ${chain} INTO $upstream`)[0]?.message).toMatch(/nested deeper than 1000 operators/);
    const long = Array.from({ length: 900 }, (_, i) => `a = '${i}'`).join(' OR ');
    expect(() => routeErrors(`FROM /* WHERE ${long} INTO $upstream`)).toThrow(/route compiled/);
  });
});

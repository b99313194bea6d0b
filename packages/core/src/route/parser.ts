import type { BinaryExpr, BinaryOperator, Expr, LiteralExpr, RouteSyntax, SinkSyntax } from './ast.js';
import { tokenize } from './lexer.js';
import type { Token, TokenKind } from './lexer.js';
import { fail, routeErrorAt } from './route-error.js';
import type { RouteErrorCode } from './route-error.js';

/** Deepest expression tree accepted; deeper trees are refused before any recursive pass could overflow the stack. */
export const MAX_CONDITION_DEPTH = 1000;
/** Deepest nesting of parentheses, unary operators and calls (each level costs the parser several stack frames). */
export const MAX_CONDITION_NESTING = 100;

interface ParserState {
  readonly route: string;
  readonly text: string;
  readonly tokens: readonly Token[];
  pos: number;
  nesting: number;
}

// Binary operators from the loosest to the tightest group (reference §3.1: `??` binds loosest, `* / %` tightest
// among binary operators; unary `-` and NOT bind tighter still). All groups are left-associative, as in ANTLR.
const PRECEDENCE: readonly (readonly TokenKind[])[] = [
  ['??'],
  ['OR'],
  ['AND'],
  ['=', '!=', '<>'],
  ['<', '<=', '>', '>='],
  ['+', '-', '||'],
  ['*', '/', '%'],
];

const PATH_ITEM = /^[^()<>@,;:\\"/[\]?={} \t\n\r]+$/;

function peek(s: ParserState): Token {
  return s.tokens[s.pos] ?? (s.tokens[s.tokens.length - 1] as Token);
}

function next(s: ParserState): Token {
  const t = peek(s);
  if (t.kind !== 'EOF') s.pos++;
  return t;
}

function describe(t: Token): string {
  return t.kind === 'EOF' ? 'end of route' : `'${t.text}'`;
}

function error(s: ParserState, at: number, problem: string, code: RouteErrorCode = 'ROUTE_SYNTAX_INVALID'): never {
  return fail(routeErrorAt(code, s.route, s.text, at, problem));
}

/** Reports `expected …, found …` at the current token, with edgeHub's wording for its special error tokens. */
function unexpected(s: ParserState, expected: string): never {
  const t = peek(s);
  if (t.kind === 'UNKNOWN') error(s, t.start, `invalid symbol '${t.text}' (expected ${expected})`);
  if (t.kind === 'UNTERMINATED_STRING') error(s, t.start, `unterminated string ${t.text}`);
  if (t.kind === ')') error(s, t.start, `unmatched closing ')' (expected ${expected})`);
  // `3 -5` lexes as two numbers (edgeHub's INTEGER_LITERAL includes the sign): point that out.
  const hint = /^-[0-9.]/.test(t.text) && (t.kind === 'INTEGER' || t.kind === 'REAL') ? `; '${t.text}' is a negative number, write '- ${t.text.slice(1)}' to subtract` : '';
  return error(s, t.start, `expected ${expected}, found ${describe(t)}${hint}`);
}

function expect(s: ParserState, kind: TokenKind, expected: string): Token {
  if (peek(s).kind !== kind) unexpected(s, expected);
  return next(s);
}

function enter(s: ParserState, at: number): void {
  s.nesting++;
  if (s.nesting > MAX_CONDITION_NESTING) {
    error(s, at, `condition nests deeper than ${MAX_CONDITION_NESTING} levels`, 'ROUTE_CONDITION_TOO_COMPLEX');
  }
}

/** Resolves `\"`, `\'`, `\\` and `\uXXXX` (the lexer admits no other escape). */
function unescape(body: string): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|["'\\])/g, (_m, e: string) =>
    e.length === 1 ? e : String.fromCharCode(parseInt(e.slice(1), 16)),
  );
}

// edgeHub parses HEX with long.TryParse(HexNumber): 64-bit two's complement, undefined beyond 16 significant digits.
function hexValue(text: string): number | undefined {
  const digits = text.slice(2).replace(/^0+/, '') || '0';
  return digits.length > 16 ? undefined : Number(BigInt.asIntN(64, BigInt(`0x${digits}`)));
}

function literalOf(t: Token): LiteralExpr | undefined {
  const span = { start: t.start, end: t.end, depth: 1 };
  switch (t.kind) {
    case 'TRUE':
    case 'FALSE':
      return { kind: 'literal', type: 'bool', value: t.kind === 'TRUE', ...span };
    case 'NULL':
      return { kind: 'literal', type: 'null', value: null, ...span };
    case 'UNDEFINED':
      return { kind: 'literal', type: 'undefined', value: undefined, ...span };
    case 'STRING':
      return { kind: 'literal', type: 'string', value: unescape(t.text.slice(1, -1)), ...span };
    case 'INTEGER':
    case 'REAL':
    case 'HEX': {
      // A REAL such as `e5` lexes but does not parse as a number; edgeHub then compiles it to undefined.
      const n = t.kind === 'HEX' ? hexValue(t.text) : Number(t.text);
      return n === undefined || Number.isNaN(n)
        ? { kind: 'literal', type: 'undefined', value: undefined, ...span }
        : { kind: 'literal', type: 'number', value: n, ...span };
    }
    default:
      return undefined;
  }
}

function parseCall(s: ParserState, name: Token): Expr {
  const open = next(s);
  enter(s, open.start);
  const args: Expr[] = [];
  const first = s.pos;
  if (peek(s).kind !== ')') {
    args.push(parseExpr(s));
    while (peek(s).kind === ',') {
      next(s);
      args.push(parseExpr(s));
    }
  }
  const argText = s.tokens.slice(first, s.pos).map((t) => t.text).join('');
  const close = expect(s, ')', `',' or ')' in the arguments of '${name.text}'`);
  s.nesting--;
  const depth = 1 + Math.max(0, ...args.map((a) => a.depth));
  return { kind: 'call', name: name.text, args, argText, start: name.start, end: close.end, depth };
}

function parsePrimary(s: ParserState): Expr {
  const t = peek(s);
  const lit = literalOf(t);
  if (lit !== undefined) {
    next(s);
    return lit;
  }
  if (t.kind === 'SYS_PROP') {
    next(s);
    return { kind: 'systemProperty', name: t.text, escaped: false, start: t.start, end: t.end, depth: 1 };
  }
  if (t.kind === 'ID') {
    next(s);
    if (peek(s).kind === '(') return parseCall(s, t);
    return { kind: 'property', name: t.text, start: t.start, end: t.end, depth: 1 };
  }
  if (t.kind === '{') {
    next(s);
    const prop = expect(s, 'SYS_PROP', "a $property after '{'");
    const close = expect(s, '}', "'}'");
    return { kind: 'systemProperty', name: prop.text, escaped: true, start: t.start, end: close.end, depth: 1 };
  }
  if (t.kind === '(') {
    next(s);
    enter(s, t.start);
    const inner = parseExpr(s);
    if (peek(s).kind !== ')') {
      const found = peek(s);
      error(s, found.start, `missing closing ')' for the '(' at column ${t.start + 1}, found ${describe(found)}`);
    }
    next(s);
    s.nesting--;
    return inner;
  }
  return unexpected(s, 'an expression');
}

function parseUnary(s: ParserState): Expr {
  const t = peek(s);
  if (t.kind !== '-' && t.kind !== 'NOT') return parsePrimary(s);
  next(s);
  enter(s, t.start);
  const operand = parseUnary(s);
  s.nesting--;
  const op = t.kind === '-' ? '-' : 'NOT';
  return { kind: 'unary', op, opText: t.text, opStart: t.start, operand, start: t.start, end: operand.end, depth: operand.depth + 1 };
}

function parseLevel(s: ParserState, level: number): Expr {
  const ops = PRECEDENCE[level];
  if (ops === undefined) return parseUnary(s);
  let left = parseLevel(s, level + 1);
  while (ops.includes(peek(s).kind)) {
    const opToken = next(s);
    const right = parseLevel(s, level + 1);
    const node: BinaryExpr = {
      kind: 'binary',
      op: opToken.kind as BinaryOperator,
      opText: opToken.text,
      opStart: opToken.start,
      left,
      right,
      start: left.start,
      end: right.end,
      depth: 1 + Math.max(left.depth, right.depth),
    };
    if (node.depth > MAX_CONDITION_DEPTH) {
      error(s, opToken.start, `condition is nested deeper than ${MAX_CONDITION_DEPTH} operators`, 'ROUTE_CONDITION_TOO_COMPLEX');
    }
    left = node;
  }
  return left;
}

function parseExpr(s: ParserState): Expr {
  return parseLevel(s, 0);
}

function parseSource(s: ParserState): string {
  let source = '';
  expect(s, '/', "a source path starting with '/' (e.g. /messages/*)");
  do {
    if (source !== '') next(s);
    const item = peek(s);
    // Any word may name a module or output (edgeHub only takes identifiers and `*`), except WHERE and INTO,
    // which after a trailing '/' are far more likely a typo than a module name.
    const word = item.kind !== 'EOF' && item.kind !== 'WHERE' && item.kind !== 'INTO' && PATH_ITEM.test(item.text);
    if (!word) unexpected(s, "a path segment or '*' after '/'");
    next(s);
    source += `/${item.text}`;
  } while (peek(s).kind === '/');
  return source;
}

const SINK_EXPECTED = '$upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>")';

function parseSink(s: ParserState): SinkSyntax {
  const t = peek(s);
  if (t.kind === 'SYS_PROP') {
    next(s);
    return { kind: 'system', name: t.text, start: t.start };
  }
  if (t.kind !== 'ID' || s.tokens[s.pos + 1]?.kind !== '(') unexpected(s, `a sink: ${SINK_EXPECTED}`);
  next(s);
  next(s);
  const address = expect(s, 'STRING', `a quoted endpoint address in ${t.text}(…)`);
  expect(s, ')', `')' after the endpoint address`);
  return { kind: 'function', name: t.text, address: address.text.slice(1, -1), start: t.start, addressStart: address.start };
}

/**
 * Parses `[SELECT *] FROM source [WHERE condition] INTO sink` (keywords case-insensitive).
 * Throws a VergeError (ROUTE_SYNTAX_INVALID or ROUTE_CONDITION_TOO_COMPLEX) naming the route, the column, what
 * was expected and what was found. Unlike edgeHub, tokens after the sink are an error rather than ignored.
 */
export function parseRoute(route: string, text: string): RouteSyntax {
  const s: ParserState = { route, text, tokens: tokenize(text), pos: 0, nesting: 0 };
  if (peek(s).kind === 'EOF') error(s, 0, 'route is empty; expected FROM (e.g. FROM /messages/* INTO $upstream)');
  if (peek(s).kind === 'SELECT') {
    next(s);
    expect(s, '*', "'*' after SELECT");
  }
  expect(s, 'FROM', s.pos === 0 ? 'SELECT or FROM' : 'FROM');
  const source = parseSource(s);
  let condition: Expr | undefined;
  let conditionText: string | undefined;
  if (peek(s).kind === 'WHERE') {
    next(s);
    const first = peek(s).start;
    condition = parseExpr(s);
    conditionText = text.slice(first, s.tokens[s.pos - 1]?.end ?? condition.end);
    expect(s, 'INTO', 'an operator or INTO');
  } else {
    expect(s, 'INTO', 'WHERE or INTO');
  }
  const sink = parseSink(s);
  if (peek(s).kind !== 'EOF') unexpected(s, 'end of route after the sink');
  return { source, condition, conditionText, sink };
}

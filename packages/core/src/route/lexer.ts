/**
 * Lexer of the edgeHub route language. It reproduces the ANTLR lexer of edgeHub
 * (`grammar/GrammarLexer.g4`, reference §3.1) exactly: at every position the longest match of any rule wins,
 * and on equal length the rule declared first wins. That has visible consequences that routes written for
 * Azure rely on, e.g. `a-1` is one identifier (`-` is an identifier character), `-5` is one integer literal,
 * `true` is a literal but `True` an identifier, and `/* … *\/` is a comment even inside a source path.
 */

/** Kinds of tokens; operator tokens are named by their text. */
export type TokenKind =
  | 'SELECT' | 'FROM' | 'WHERE' | 'INTO'
  | 'STRING' | 'UNTERMINATED_STRING' | 'INTEGER' | 'HEX' | 'REAL'
  | 'TRUE' | 'FALSE' | 'NULL' | 'UNDEFINED'
  | '(' | ')' | ',' | '+' | '-' | '*' | '/' | '%'
  | 'AND' | 'OR' | 'NOT'
  | '=' | '!=' | '<>' | '<=' | '>=' | '>' | '<' | '||' | '??'
  | '{' | '}'
  | 'SYS_PROP' | 'ID' | 'QUERY_PATH' | 'UNKNOWN' | 'EOF';

/** One token; `start`/`end` are UTF-16 offsets into the route text, end exclusive. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

type Rule = readonly [TokenKind, (text: string, i: number) => number];

// Characters that may not appear in ID / QUERY_PATH tokens (GrammarLexer.g4 ID_CHARS, QUERY_PATH_CHARS).
const NOT_QUERY_PATH = new Set(['(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '?', '=', '{', '}', ' ', '\t', '\n', '\r']);

function isQueryPathChar(c: string): boolean {
  return !NOT_QUERY_PATH.has(c);
}

function isIdChar(c: string): boolean {
  return c !== '[' && c !== ']' && !NOT_QUERY_PATH.has(c);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

function isWhitespace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function digitsAt(text: string, i: number): number {
  let j = i;
  while (isDigit(text[j])) j++;
  return j - i;
}

// ASCII-only upper-casing: ANTLR's `[Ss]` fragments match ASCII letters only (so `ınto` is not INTO).
function asciiUpper(s: string): string {
  return s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 32));
}

function literal(word: string, caseInsensitive: boolean): (text: string, i: number) => number {
  const upper = asciiUpper(word);
  return (text, i) => {
    const s = text.slice(i, i + word.length);
    return (caseInsensitive ? asciiUpper(s) === upper : s === word) ? word.length : 0;
  };
}

// ESC: '\\' (["'\\] | 'u' HEX HEX HEX HEX). Returns the escape length, 0 when invalid.
function escapeAt(text: string, i: number): number {
  const c = text[i + 1];
  if (c === '"' || c === "'" || c === '\\') return 2;
  if (c === 'u' && isHexDigit(text[i + 2]) && isHexDigit(text[i + 3]) && isHexDigit(text[i + 4]) && isHexDigit(text[i + 5])) return 6;
  return 0;
}

/** Scans a quoted string: `terminated` is the STRING length (0 if none), `open` the UNTERMINATED_STRING length. */
function scanString(text: string, i: number): { terminated: number; open: number } {
  const quote = text[i];
  if (quote !== '"' && quote !== "'") return { terminated: 0, open: 0 };
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === quote) return { terminated: j + 1 - i, open: j - i };
    if (c === '\\') {
      const esc = escapeAt(text, j);
      if (esc === 0) break;
      j += esc;
    } else j++;
  }
  return { terminated: 0, open: j - i };
}

function exponentAt(text: string, i: number): number {
  const c = text[i];
  if (c !== 'e' && c !== 'E') return 0;
  let j = i + 1;
  if (text[j] === '+' || text[j] === '-') j++;
  const d = digitsAt(text, j);
  return d === 0 ? 0 : j + d - i;
}

// REAL_LITERAL: '-'? [0-9]* '.' [0-9]+ EXP? | '-'? [0-9]* EXP
function realAt(text: string, i: number): number {
  let j = i;
  if (text[j] === '-') j++;
  j += digitsAt(text, j);
  if (text[j] === '.') {
    const frac = digitsAt(text, j + 1);
    if (frac === 0) return 0;
    const end = j + 1 + frac;
    return end + exponentAt(text, end) - i;
  }
  const exp = exponentAt(text, j);
  return exp === 0 ? 0 : j + exp - i;
}

function runAt(text: string, i: number, accept: (c: string) => boolean): number {
  let j = i;
  while (j < text.length && accept(text[j] as string)) j++;
  return j - i;
}

const single = (c: string) => (text: string, i: number) => (text[i] === c ? 1 : 0);
const pair = (s: string) => (text: string, i: number) => (text.startsWith(s, i) ? 2 : 0);

/** Lexer rules in declaration order: the implicit `{`/`}` tokens come first, then GrammarLexer.g4 top to bottom. */
const RULES: readonly Rule[] = [
  ['{', single('{')],
  ['}', single('}')],
  ['SELECT', literal('SELECT', true)],
  ['FROM', literal('FROM', true)],
  ['WHERE', literal('WHERE', true)],
  ['INTO', literal('INTO', true)],
  ['STRING', (t, i) => scanString(t, i).terminated],
  ['UNTERMINATED_STRING', (t, i) => scanString(t, i).open],
  ['INTEGER', (t, i) => {
    const sign = t[i] === '-' ? 1 : 0;
    const d = digitsAt(t, i + sign);
    return d === 0 ? 0 : sign + d;
  }],
  ['HEX', (t, i) => {
    if (t[i] !== '0' || (t[i + 1] !== 'x' && t[i + 1] !== 'X')) return 0;
    const n = runAt(t, i + 2, isHexDigit);
    return n === 0 ? 0 : n + 2;
  }],
  ['REAL', realAt],
  ['TRUE', literal('true', false)],
  ['FALSE', literal('false', false)],
  ['NULL', literal('null', false)],
  ['UNDEFINED', literal('undefined', false)],
  ['(', single('(')], [')', single(')')], [',', single(',')], ['+', single('+')], ['-', single('-')],
  ['*', single('*')], ['/', single('/')], ['%', single('%')],
  ['AND', literal('AND', true)],
  ['OR', literal('OR', true)],
  ['NOT', literal('NOT', true)],
  ['=', single('=')], ['!=', pair('!=')], ['<>', pair('<>')], ['<=', pair('<=')], ['>=', pair('>=')],
  ['>', single('>')], ['<', single('<')], ['||', pair('||')], ['??', pair('??')],
  ['SYS_PROP', (t, i) => {
    if (t[i] !== '$') return 0;
    const n = runAt(t, i + 1, isQueryPathChar);
    return n === 0 ? 0 : n + 1;
  }],
  ['ID', (t, i) => runAt(t, i, isIdChar)],
  ['QUERY_PATH', (t, i) => runAt(t, i, isQueryPathChar)],
];

function longestMatch(text: string, i: number): { kind: TokenKind; length: number } {
  let kind: TokenKind = 'UNKNOWN';
  let length = 1;
  let found = false;
  for (const [ruleKind, match] of RULES) {
    const n = match(text, i);
    if (n > 0 && (!found || n > length)) {
      kind = ruleKind;
      length = n;
      found = true;
    }
  }
  return { kind, length };
}

/**
 * Splits route text into tokens, ending with one `EOF` token. Whitespace (space, tab, CR, LF) and comments are
 * skipped. Never throws: characters no rule accepts become `UNKNOWN` tokens, for the parser to report.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  // Offset of the next `*/` (-2: not searched yet, -1: none left); kept so that many unclosed `/*`
  // cost one scan in total rather than one scan each.
  let close = -2;
  const commentAt = (i: number): number => {
    if (!text.startsWith('/*', i)) return 0;
    if (close !== -1 && close < i + 2) close = text.indexOf('*/', i + 2);
    return close < 0 ? 0 : close + 2 - i;
  };
  let i = 0;
  while (i < text.length) {
    if (isWhitespace(text[i])) {
      i++;
      continue;
    }
    const best = longestMatch(text, i);
    // COMMENT is declared after every other rule, so it only wins when strictly longer (always, when it closes).
    const comment = commentAt(i);
    if (comment > best.length) {
      i += comment;
      continue;
    }
    tokens.push({ kind: best.kind, text: text.slice(i, i + best.length), start: i, end: i + best.length });
    i += best.length;
  }
  tokens.push({ kind: 'EOF', text: '', start: text.length, end: text.length });
  return tokens;
}

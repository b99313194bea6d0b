import { syntaxError, type Dialect } from './syntax-error.js';

/**
 * Lexer of the IoT Hub twin query language, shared by queries and deployment target conditions
 * (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-query-language, "Expressions and conditions").
 *
 * - names: a letter, `_` or `$` then letters, digits, `_` or `$` (`properties.desired.$version`, reference §10.4);
 * - escaped names: `[[any text]]`, for keys that are reserved words or hold other characters
 *   (`configurations.[[my-deployment]].status`, reference §10.4; the same escape as the sibling Azure Digital
 *   Twins language, learn.microsoft.com/azure/digital-twins/reference-query-reserved);
 * - strings: single or double quotes; escapes `\'`, `\"`, `\\`, `\uXXXX` (query-language doc), and a doubled
 *   quote stands for one quote (`'operator''sDevice'`, IoT Edge doc on target conditions — a target condition is
 *   run as the WHERE clause of a query, so queries accept it too);
 * - numbers: decimal (`12`, `1.5`, `.5`, `2e3`) or hexadecimal (`0x1F`); a sign is the unary operator.
 */

/** Kinds of tokens; `op` covers operators and punctuation, distinguished by `text`. */
export type TokenKind = 'name' | 'escaped' | 'string' | 'number' | 'op' | 'eof';

/** One token; `start`/`end` are UTF-16 offsets into the text, end exclusive. */
export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token (`op`: the operator itself). */
  readonly text: string;
  /** Decoded value: the name, the string contents or the number. */
  readonly value: string | number;
  readonly start: number;
  readonly end: number;
}

const TWO_CHAR_OPS = new Set(['!=', '<>', '<=', '>=']);
const ONE_CHAR_OPS = new Set(['=', '<', '>', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.']);

const NAME_START = /[\p{L}_$]/u;
const NAME_PART = /[\p{L}\p{N}_$]/u;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** One whole code point at `i` (a surrogate pair counts as one character). */
function codePointAt(text: string, i: number): string {
  const cp = text.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

class Lexer {
  private i = 0;
  private readonly tokens: Token[] = [];

  constructor(
    private readonly text: string,
    private readonly dialect: Dialect,
  ) {}

  run(): Token[] {
    const { text } = this;
    while (this.i < text.length) {
      const c = text[this.i] as string;
      if (isSpace(c)) this.i++;
      else if (c === '[' && text[this.i + 1] === '[') this.escapedName();
      else if (c === "'" || c === '"') this.string(c);
      else if (isDigit(c) || (c === '.' && isDigit(text[this.i + 1]))) this.number();
      else if (NAME_START.test(codePointAt(text, this.i))) this.name();
      else this.operator(c);
    }
    this.tokens.push({ kind: 'eof', text: '', value: '', start: text.length, end: text.length });
    return this.tokens;
  }

  private fail(offset: number, problem: string): never {
    throw syntaxError(this.dialect, this.text, offset, problem);
  }

  private push(kind: TokenKind, start: number, value: string | number): void {
    this.tokens.push({ kind, text: this.text.slice(start, this.i), value, start, end: this.i });
  }

  private name(): void {
    const start = this.i;
    while (this.i < this.text.length) {
      const ch = codePointAt(this.text, this.i);
      if (!NAME_PART.test(ch)) break;
      this.i += ch.length;
    }
    this.push('name', start, this.text.slice(start, this.i));
  }

  private escapedName(): void {
    const start = this.i;
    const close = this.text.indexOf(']]', start + 2);
    if (close < 0) this.fail(start, "expected ']]' to close the escaped name opened here");
    const name = this.text.slice(start + 2, close);
    if (name === '') this.fail(start, 'expected a name between [[ and ]], found an empty one');
    this.i = close + 2;
    this.push('escaped', start, name);
  }

  private string(quote: string): void {
    const start = this.i;
    if (quote === '"' && this.dialect.target) {
      this.fail(start, "double quotes are not allowed in a target condition; write string values in single quotes ('…')");
    }
    let value = '';
    let j = start + 1;
    for (;;) {
      if (j >= this.text.length) this.fail(start, `unterminated string: no closing ${quote} for the string starting here`);
      const c = this.text[j] as string;
      if (c === quote) {
        if (this.text[j + 1] !== quote) break;
        value += quote;
        j += 2;
      } else if (c === '\\') {
        const esc = this.escape(j);
        value += esc.value;
        j += esc.length;
      } else {
        value += c;
        j++;
      }
    }
    this.i = j + 1;
    this.push('string', start, value);
  }

  /** Decodes the escape at `j` (a backslash); the query language allows `\'`, `\"`, `\\` and `\uXXXX`. */
  private escape(j: number): { value: string; length: number } {
    const c = this.text[j + 1];
    if (c === "'" || c === '"' || c === '\\') return { value: c, length: 2 };
    if (c === 'u') {
      const hex = this.text.slice(j + 2, j + 6);
      if (hex.length === 4 && [...hex].every((h) => isHexDigit(h))) return { value: String.fromCharCode(parseInt(hex, 16)), length: 6 };
      this.fail(j, 'invalid escape: \\u must be followed by 4 hexadecimal digits');
    }
    this.fail(j, `invalid escape '\\${c ?? ''}': a string allows only \\', \\", \\\\ and \\uXXXX`);
  }

  private number(): void {
    const start = this.i;
    const { text } = this;
    if (text[start] === '0' && (text[start + 1] === 'x' || text[start + 1] === 'X')) {
      let j = start + 2;
      while (isHexDigit(text[j])) j++;
      if (j === start + 2) this.fail(start, 'invalid number: 0x must be followed by hexadecimal digits');
      this.i = j;
    } else {
      let j = start;
      while (isDigit(text[j])) j++;
      if (text[j] === '.' && isDigit(text[j + 1])) {
        j++;
        while (isDigit(text[j])) j++;
      }
      if ((text[j] === 'e' || text[j] === 'E') && (isDigit(text[j + 1]) || ((text[j + 1] === '+' || text[j + 1] === '-') && isDigit(text[j + 2])))) {
        j += 2;
        while (isDigit(text[j])) j++;
      }
      this.i = j;
    }
    if (this.i < text.length && NAME_PART.test(codePointAt(text, this.i))) {
      this.fail(start, `invalid number '${text.slice(start, this.i + 1)}': a number may not run into a name`);
    }
    const value = Number(text.slice(start, this.i));
    if (!Number.isFinite(value)) this.fail(start, `number '${text.slice(start, this.i)}' is out of range`);
    this.push('number', start, value);
  }

  private operator(c: string): void {
    const start = this.i;
    const two = this.text.slice(start, start + 2);
    if (TWO_CHAR_OPS.has(two)) {
      this.i += 2;
      this.push('op', start, two);
    } else if (ONE_CHAR_OPS.has(c)) {
      this.i++;
      this.push('op', start, c);
    } else {
      const ch = codePointAt(this.text, start);
      const hint = c === '!' ? " (for 'not equal' write != or <>)" : c === '&' || c === '|' ? ' (write AND / OR)' : '';
      this.fail(start, `unexpected character '${ch}'${hint}`);
    }
  }
}

/** Splits `text` into tokens ending with an `eof` token; throws the dialect's VergeError on a lexical error. */
export function tokenize(text: string, dialect: Dialect): Token[] {
  return new Lexer(text, dialect).run();
}

/** How a token reads in an error message: `'='`, `name 'tags'`, `string 'x'`, `number 5`, `end of input`. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of input';
    case 'op':
      return `'${t.text}'`;
    case 'name':
      return `'${t.text}'`;
    case 'escaped':
      return `name ${t.text}`;
    case 'string':
      return `string ${t.text.length > 40 ? `${t.text.slice(0, 37)}…` : t.text}`;
    case 'number':
      return `number ${t.text}`;
    default: {
      const never: never = t.kind;
      return never;
    }
  }
}

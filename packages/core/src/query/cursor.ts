import { describeToken, type Token } from './lexer.js';
import { syntaxError, type Dialect } from './syntax-error.js';

/**
 * Words that cannot be a bare property name: IoT Hub refuses them (e.g. `tags.group`, MicrosoftDocs/azure-docs
 * issue #17106), and the parser needs them to be unambiguous. Escape such a key as `[[group]]`. Function names
 * (`count`, `is_defined`, …) stay usable as names: they are functions only when followed by `(`.
 */
const RESERVED = new Set([
  'AND', 'OR', 'NOT', 'IN', 'NIN', 'TRUE', 'FALSE', 'NULL', 'UNDEFINED',
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'AS', 'TOP',
]);

/** True when `word` (any case) is a reserved word. */
export function isReserved(word: string): boolean {
  return RESERVED.has(word.toUpperCase());
}

/** A position in a token list plus the error helpers shared by the expression and query parsers. */
export class Cursor {
  private index = 0;

  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
    readonly dialect: Dialect,
  ) {}

  /** The current token (the `eof` token once the input is exhausted). */
  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const t = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return t;
  }

  /** True when the current token is the keyword `word` (case-insensitive, never an escaped name). */
  atKeyword(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'name' && t.text.toUpperCase() === word;
  }

  atOp(op: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'op' && t.text === op;
  }

  /** Consumes the keyword or operator if present. */
  accept(word: string): boolean {
    if (this.atKeyword(word) || this.atOp(word)) {
      this.next();
      return true;
    }
    return false;
  }

  /** Consumes the keyword or operator, or fails with "expected <what>". */
  expect(word: string, what = `'${word}'`): Token {
    if (!this.atKeyword(word) && !this.atOp(word)) this.failExpected(what);
    return this.next();
  }

  /** Throws `expected <what>, found <current token>` at the current token. */
  failExpected(what: string, token: Token = this.peek()): never {
    this.fail(token.start, `expected ${what}, found ${describeToken(token)}`);
  }

  fail(offset: number, problem: string): never {
    throw syntaxError(this.dialect, this.text, offset, problem);
  }
}

import type { CompareOp, Constant, Expr, PathExpr } from './ast.js';
import { isReserved, type Cursor } from './cursor.js';
import { FUNCTIONS, isFunctionName, unknownFunctionProblem } from './functions.js';
import type { Token } from './lexer.js';

/**
 * Recursive-descent parser of conditions (a WHERE clause or a target condition). Precedence, loosest first:
 * `OR` < `AND` < `NOT` < comparison / `IN` / `NIN` < `+ -` < `* / %` < unary `-` < primary. So
 * `NOT deviceId = 'a'` is `NOT (deviceId = 'a')` (the IoT Edge doc's example
 * `tags.operator = 'John' AND tags.environment = 'prod' AND NOT deviceId = 'linuxprod1'`), and
 * `a OR b AND c` is `a OR (b AND c)`. Keywords are case-insensitive.
 */

/** Deepest nesting of parentheses, NOT, unary minus and calls accepted; keeps evaluation off the stack limit. */
export const MAX_NESTING = 64;

const COMPARE_OPS: ReadonlyMap<string, CompareOp> = new Map([
  ['=', '='], ['!=', '!='], ['<>', '!='], ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>='],
]);

// Reference §10.2 (IoT Edge "Target condition"): "Numbers, letters, and the following characters are allowed in
// target condition values: -:.+%_#*?!(),=@;$"; a quote is written doubled.
const TARGET_VALUE_CHAR = /^[\p{L}\p{N}\-:.+%_#*?!(),=@;$]$/u;

class ExprParser {
  private depth = 0;

  constructor(private readonly c: Cursor) {}

  or(): Expr {
    let left = this.and();
    while (this.c.accept('OR')) left = { kind: 'or', left, right: this.and(), start: left.start };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.c.accept('AND')) left = { kind: 'and', left, right: this.not(), start: left.start };
    return left;
  }

  private not(): Expr {
    if (!this.c.atKeyword('NOT')) return this.comparison();
    const start = this.c.next().start;
    return this.nested(start, () => ({ kind: 'not', operand: this.not(), start }));
  }

  private comparison(): Expr {
    const left = this.additive();
    const t = this.c.peek();
    const op = t.kind === 'op' ? COMPARE_OPS.get(t.text) : undefined;
    let result: Expr = left;
    if (op !== undefined) {
      this.c.next();
      result = { kind: 'compare', op, left, right: this.additive(), start: left.start };
    } else if (this.c.atKeyword('IN') || this.c.atKeyword('NIN')) {
      const negated = this.c.next().text.toUpperCase() === 'NIN';
      result = { kind: 'in', negated, operand: left, values: this.arrayConstant(), start: left.start };
    } else if (this.c.atKeyword('NOT') && this.c.atKeyword('IN', 1)) {
      this.c.fail(t.start, "NOT IN is not part of the IoT Hub query language; write NIN [...]");
    }
    const after = this.c.peek();
    if (result !== left && after.kind === 'op' && COMPARE_OPS.has(after.text)) {
      this.c.fail(after.start, `comparisons cannot be chained: combine them with AND or OR (found '${after.text}')`);
    }
    return result;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.c.atOp('+') || this.c.atOp('-')) {
      const op = this.c.next().text as '+' | '-';
      left = { kind: 'arithmetic', op, left, right: this.multiplicative(), start: left.start };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.c.atOp('*') || this.c.atOp('/') || this.c.atOp('%')) {
      const op = this.c.next().text as '*' | '/' | '%';
      left = { kind: 'arithmetic', op, left, right: this.unary(), start: left.start };
    }
    return left;
  }

  private unary(): Expr {
    if (!this.c.atOp('-')) return this.primary();
    const start = this.c.next().start;
    return this.nested(start, () => {
      const operand = this.unary();
      // Fold `-5` into a constant so that it reads as a number in IN lists and messages.
      if (operand.kind === 'constant' && typeof operand.value === 'number') return { kind: 'constant', value: -operand.value, start };
      return { kind: 'negate', operand, start };
    });
  }

  private primary(): Expr {
    const t = this.c.peek();
    if (t.kind === 'number') return { kind: 'constant', value: this.c.next().value as number, start: t.start };
    if (t.kind === 'string') return { kind: 'constant', value: this.stringValue(this.c.next()), start: t.start };
    if (t.kind === 'escaped') return this.path();
    if (t.kind === 'op' && t.text === '(') {
      this.c.next();
      return this.nested(t.start, () => {
        const inner = this.or();
        this.c.expect(')', "')' to close the '(' at column " + String(this.column(t.start)));
        return inner;
      });
    }
    if (t.kind === 'op' && t.text === '[') this.c.fail(t.start, 'an array constant [...] is only allowed after IN or NIN');
    if (t.kind === 'name') {
      const literal = keywordConstant(t);
      if (literal !== null) {
        this.c.next();
        return { kind: 'constant', value: literal.value, start: t.start };
      }
      if (this.c.atOp('(', 1)) return this.call();
      if (!isReserved(t.text)) return this.path();
    }
    this.c.failExpected('a value (a property path, a constant, a function call or a parenthesized condition)');
  }

  private call(): Expr {
    const nameToken = this.c.next();
    const name = nameToken.text.toUpperCase();
    if (!isFunctionName(name)) this.c.fail(nameToken.start, unknownFunctionProblem(nameToken.text));
    const open = this.c.next();
    return this.nested(open.start, () => {
      const args: Expr[] = [];
      if (!this.c.atOp(')')) {
        do args.push(this.or());
        while (this.c.accept(','));
      }
      this.c.expect(')', args.length === 0 ? "an argument or ')'" : "',' or ')'");
      const arity = FUNCTIONS[name].arity;
      if (args.length !== arity) {
        this.c.fail(nameToken.start, `${name} takes ${arity} argument${arity === 1 ? '' : 's'}, found ${args.length}`);
      }
      return { kind: 'call', fn: name, args, start: nameToken.start };
    });
  }

  /** A path: `name` or `[[escaped]]`, then `.name` / `.[[escaped]]` segments. */
  path(): PathExpr {
    const first = this.c.next();
    const segments = [first.value as string];
    while (this.c.accept('.')) {
      const t = this.c.peek();
      if (t.kind === 'name' && isReserved(t.text)) {
        this.c.fail(t.start, `'${t.text}' is a reserved word: escape it as [[${t.text}]]`);
      }
      if (t.kind !== 'name' && t.kind !== 'escaped') this.c.failExpected("a property name after '.'");
      segments.push(this.c.next().value as string);
    }
    const path: PathExpr = { kind: 'path', segments, start: first.start };
    if (this.c.dialect.target) this.checkTargetPath(path);
    return path;
  }

  // Reference §10.2 and the IoT Edge doc: "you can only build a target condition using tags, reported
  // properties, or deviceId".
  private checkTargetPath(path: PathExpr): void {
    const [root, second] = path.segments;
    const r = root?.toLowerCase();
    if (r === 'deviceid' && path.segments.length === 1) return;
    if (r === 'tags') return;
    if (r === 'properties' && second === 'reported') return;
    this.c.fail(path.start, `a target condition may only reference deviceId, tags.* and properties.reported.*, found '${path.segments.join('.')}'`);
  }

  private arrayConstant(): Constant[] {
    this.c.expect('[', "'[' to start the list of values");
    const values: Constant[] = [];
    do {
      const e = this.unary();
      if (e.kind !== 'constant') this.c.fail(e.start, 'a list after IN or NIN may hold only constants (strings, numbers, true, false, null)');
      values.push(e.value);
    } while (this.c.accept(','));
    this.c.expect(']', "',' or ']'");
    return values;
  }

  private stringValue(t: Token): string {
    if (this.c.dialect.target) {
      for (let i = t.start + 1; i < t.end - 1; i++) {
        const ch = String.fromCodePoint(this.c.text.codePointAt(i) ?? 0);
        if (ch === "'" && this.c.text[i + 1] === "'") {
          i++;
          continue;
        }
        if (!TARGET_VALUE_CHAR.test(ch)) {
          const code = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
          this.c.fail(i, `character '${ch}' (U+${code}) is not allowed in a target condition value; allowed are letters, digits and -:.+%_#*?!(),=@;$ (write a quote as '')`);
        }
        i += ch.length - 1;
      }
    }
    return t.value as string;
  }

  private nested<T>(start: number, parse: () => T): T {
    if (++this.depth > MAX_NESTING) this.c.fail(start, `expression nests deeper than ${MAX_NESTING} levels`);
    const result = parse();
    this.depth--;
    return result;
  }

  private column(offset: number): number {
    const lineStart = this.c.text.lastIndexOf('\n', offset - 1) + 1;
    return offset - lineStart + 1;
  }
}

function keywordConstant(t: Token): { value: Constant } | null {
  switch (t.text.toUpperCase()) {
    case 'TRUE':
      return { value: true };
    case 'FALSE':
      return { value: false };
    case 'NULL':
      return { value: null };
    case 'UNDEFINED':
      return { value: undefined };
    default:
      return null;
  }
}

/** Parses a condition starting at the cursor and stops before the first token that cannot continue it. */
export function parseCondition(c: Cursor): Expr {
  return new ExprParser(c).or();
}

/** Parses a property path (`a.b.[[c]]`) at the cursor; the current token must be a name or an escaped name. */
export function parsePath(c: Cursor): PathExpr {
  const t = c.peek();
  if ((t.kind !== 'name' || isReserved(t.text)) && t.kind !== 'escaped') c.failExpected('a property path');
  return new ExprParser(c).path();
}

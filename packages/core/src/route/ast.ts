/**
 * Syntax tree of a route (reference §3.1). Offsets are UTF-16 offsets into the route text; `depth` is the height
 * of the subtree, kept so the compiler can refuse trees deep enough to exhaust the stack before recursing.
 */

/** Binary operators of the condition grammar, by precedence group (reference §3.1). */
export type BinaryOperator =
  | '*' | '/' | '%'
  | '+' | '-' | '||'
  | '<' | '<=' | '>' | '>='
  | '=' | '!=' | '<>'
  | 'AND' | 'OR'
  | '??';

/** Unary operators: numeric negation and logical NOT. */
export type UnaryOperator = '-' | 'NOT';

interface Span {
  readonly start: number;
  readonly end: number;
  readonly depth: number;
}

/** A literal; `value` is already decoded (escapes resolved, numbers parsed; an unparsable number is `undefined`). */
export interface LiteralExpr extends Span {
  readonly kind: 'literal';
  readonly type: 'bool' | 'number' | 'string' | 'null' | 'undefined';
  readonly value: boolean | number | string | null | undefined;
}

/** A bare identifier: an application property. */
export interface PropertyExpr extends Span {
  readonly kind: 'property';
  readonly name: string;
}

/** `$name` (escaped: `{$name}`); `name` includes the leading `$`. */
export interface SystemPropertyExpr extends Span {
  readonly kind: 'systemProperty';
  readonly name: string;
  readonly escaped: boolean;
}

/** `fn(args)`; `argText` is the argument list's tokens concatenated without whitespace (ANTLR `GetText()`). */
export interface CallExpr extends Span {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly Expr[];
  readonly argText: string;
}

/** `-x` or `NOT x`; `opStart` is the operator's offset. */
export interface UnaryExpr extends Span {
  readonly kind: 'unary';
  readonly op: UnaryOperator;
  readonly opText: string;
  readonly opStart: number;
  readonly operand: Expr;
}

/** `left op right`; `opText` keeps the operator as written (e.g. `and`). */
export interface BinaryExpr extends Span {
  readonly kind: 'binary';
  readonly op: BinaryOperator;
  readonly opText: string;
  readonly opStart: number;
  readonly left: Expr;
  readonly right: Expr;
}

/** Any condition expression. */
export type Expr = LiteralExpr | PropertyExpr | SystemPropertyExpr | CallExpr | UnaryExpr | BinaryExpr;

/** The sink as written: `$name` or `fn("address")` (address without its quotes, not unescaped, as edgeHub). */
export type SinkSyntax =
  | { readonly kind: 'system'; readonly name: string; readonly start: number }
  | { readonly kind: 'function'; readonly name: string; readonly address: string; readonly start: number; readonly addressStart: number };

/** A parsed route. `source` is the FROM path's tokens concatenated (ANTLR `GetText()`), not yet normalised. */
export interface RouteSyntax {
  readonly source: string;
  readonly condition: Expr | undefined;
  /** The condition exactly as written, from its first to its last token. */
  readonly conditionText: string | undefined;
  readonly sink: SinkSyntax;
}

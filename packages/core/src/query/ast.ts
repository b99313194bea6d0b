/**
 * Syntax tree of the condition/expression language shared by twin queries (WHERE) and deployment target
 * conditions. `start` is the UTF-16 offset of the node in the source text.
 */

/** A constant: JSON primitives plus `undefined` (the query language's `undefined` literal). */
export type Constant = string | number | boolean | null | undefined;

/** Comparison operators; `<>` is parsed as `!=`. */
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** Arithmetic operators (numbers only). */
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';

/** Scalar functions of twin queries (see functions.ts for the sources). */
export type FunctionName =
  | 'IS_DEFINED'
  | 'IS_NULL'
  | 'IS_STRING'
  | 'IS_NUMBER'
  | 'IS_BOOL'
  | 'IS_OBJECT'
  | 'IS_ARRAY'
  | 'IS_PRIMITIVE'
  | 'STARTSWITH'
  | 'ENDSWITH';

/** A property path such as `tags.location.region` or `configurations.[[id]].status`; segments are unescaped. */
export interface PathExpr {
  readonly kind: 'path';
  readonly segments: readonly string[];
  readonly start: number;
}

/** Any expression. */
export type Expr =
  | { readonly kind: 'constant'; readonly value: Constant; readonly start: number }
  | PathExpr
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly args: readonly Expr[]; readonly start: number }
  | { readonly kind: 'not'; readonly operand: Expr; readonly start: number }
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr; readonly start: number }
  | { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Expr; readonly right: Expr; readonly start: number }
  | { readonly kind: 'arithmetic'; readonly op: ArithmeticOp; readonly left: Expr; readonly right: Expr; readonly start: number }
  | { readonly kind: 'negate'; readonly operand: Expr; readonly start: number }
  | {
      readonly kind: 'in';
      /** `NIN` (not in). */
      readonly negated: boolean;
      readonly operand: Expr;
      readonly values: readonly Constant[];
      readonly start: number;
    };

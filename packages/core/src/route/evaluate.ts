import type { BodyPath } from './body.js';
import type { RouteEvaluationContext } from './eval-context.js';

/**
 * Runtime values and the closures compiled conditions are made of (reference §3.3). A value is a JSON-like
 * primitive or `undefined`; numbers are doubles and NaN never appears (edgeHub treats NaN as undefined, so every
 * numeric result is normalised). Every closure here is total: evaluation never throws.
 */
export type Value = boolean | number | string | null | undefined;

/** A compiled expression. */
export type Evaluator = (ctx: RouteEvaluationContext) => Value;

/** Comparison operators. */
export type CompareOperator = '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=';

/** Arithmetic operators. */
export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';

/** NaN is edgeHub's undefined double. */
export function num(x: number): number | undefined {
  return x === x ? x : undefined;
}

// Order of edgeHub's QueryValueType (Bool < Double < String < Null): values of different types compare by type.
function rank(v: boolean | number | string | null): number {
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
    default:
      return 4;
  }
}

/**
 * Three-way comparison of two defined values: same types compare by value (strings ordinally, false < true),
 * different types (only possible with `$body` values) by type rank, as edgeHub's `QueryValue.CompareTo`.
 */
export function compareValues(a: boolean | number | string | null, b: boolean | number | string | null): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a === b) return 0;
  return (a as number | string | boolean) < (b as number | string | boolean) ? -1 : 1;
}

const COMPARE_TEST: Readonly<Record<CompareOperator, (c: number) => boolean>> = {
  '=': (c) => c === 0,
  '!=': (c) => c !== 0,
  '<>': (c) => c !== 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

const ARITHMETIC: Readonly<Record<ArithmeticOperator, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
};

/** A constant. */
export function constant(v: Value): Evaluator {
  return () => v;
}

/** Comparison; undefined if either side is undefined (three-valued logic). */
export function makeCompare(op: CompareOperator, l: Evaluator, r: Evaluator): Evaluator {
  const test = COMPARE_TEST[op];
  return (ctx) => {
    const a = l(ctx);
    if (a === undefined) return undefined;
    const b = r(ctx);
    return b === undefined ? undefined : test(compareValues(a, b));
  };
}

/** Arithmetic on numbers; anything else (e.g. a `$body` string) gives undefined. */
export function makeArithmetic(op: ArithmeticOperator, l: Evaluator, r: Evaluator): Evaluator {
  const f = ARITHMETIC[op];
  return (ctx) => {
    const a = l(ctx);
    if (typeof a !== 'number') return undefined;
    const b = r(ctx);
    return typeof b === 'number' ? num(f(a, b)) : undefined;
  };
}

/** Unary minus. */
export function makeNegate(e: Evaluator): Evaluator {
  return (ctx) => {
    const a = e(ctx);
    return typeof a === 'number' ? -a : undefined;
  };
}

/** NOT of a boolean; undefined for undefined and for non-boolean `$body` values. */
export function makeNot(e: Evaluator): Evaluator {
  return (ctx) => {
    const a = e(ctx);
    return typeof a === 'boolean' ? !a : undefined;
  };
}

/** `a || b` string concatenation. */
export function makeConcat(l: Evaluator, r: Evaluator): Evaluator {
  return (ctx) => {
    const a = l(ctx);
    if (typeof a !== 'string') return undefined;
    const b = r(ctx);
    return typeof b === 'string' ? a + b : undefined;
  };
}

/** Kleene AND over true/false/undefined: false wins over undefined. */
export function makeAnd(l: Evaluator, r: Evaluator): Evaluator {
  return (ctx) => {
    const a = l(ctx);
    if (a === false) return false;
    const b = r(ctx);
    if (b === false) return false;
    return a === true && b === true ? true : undefined;
  };
}

/** Kleene OR over true/false/undefined: true wins over undefined. */
export function makeOr(l: Evaluator, r: Evaluator): Evaluator {
  return (ctx) => {
    const a = l(ctx);
    if (a === true) return true;
    const b = r(ctx);
    if (b === true) return true;
    return a === false && b === false ? false : undefined;
  };
}

/**
 * AND/OR with a `$body` operand: edgeHub converts both sides to query values, whose `&`/`|` are defined only when
 * both are booleans (no short-circuit over undefined).
 */
export function makeDynamicLogic(op: 'AND' | 'OR', l: Evaluator, r: Evaluator): Evaluator {
  return (ctx) => {
    const a = l(ctx);
    if (typeof a !== 'boolean') return undefined;
    const b = r(ctx);
    if (typeof b !== 'boolean') return undefined;
    return op === 'AND' ? a && b : a || b;
  };
}

/** `a ?? b`: a if defined, else b. */
export function makeCoalesce(l: Evaluator, r: Evaluator): Evaluator {
  return (ctx) => {
    const a = l(ctx);
    return a !== undefined ? a : r(ctx);
  };
}

/** A bare identifier: the application property of that name. */
export function makeAppProperty(name: string): Evaluator {
  return (ctx) => ctx.appProperty(name);
}

/** `{$name}`: the system property `name` only. */
export function makeSystemProperty(name: string): Evaluator {
  return (ctx) => ctx.systemProperty(name);
}

/** `$name`: the application property literally named `$name` if present, else the system property `name`. */
export function makeAppOrSystemProperty(appName: string, systemName: string): Evaluator {
  return (ctx) => ctx.appProperty(appName) ?? ctx.systemProperty(systemName);
}

/** `{$body.path}` (or `$body.path[i]`, which edgeHub never looks up as a property): the body value. */
export function makeBodyQuery(path: BodyPath): Evaluator {
  return (ctx) => ctx.bodyValue(path);
}

/** `$body.path`: an application property literally named `$body.path` wins over the body. */
export function makeAppOrBodyQuery(appName: string, path: BodyPath): Evaluator {
  return (ctx) => {
    const app = ctx.appProperty(appName);
    return app !== undefined ? app : ctx.bodyValue(path);
  };
}

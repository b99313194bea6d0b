import type { Expr } from './ast.js';
import { FUNCTIONS } from './functions.js';
import { resolvePath } from './path.js';
import { and, arithmetic, compare, kindOf, not, or, primitiveEquals } from './values.js';

/**
 * Evaluates an expression against a twin document. Never throws: missing properties, wrong types and
 * non-JSON values yield `undefined` (see values.ts). Recursion depth is bounded by the parser's nesting limit.
 */
export function evaluate(e: Expr, twin: unknown): unknown {
  switch (e.kind) {
    case 'constant':
      return e.value;
    case 'path':
      return resolvePath(twin, e.segments);
    case 'call':
      return FUNCTIONS[e.fn].apply(e.args.map((a) => evaluate(a, twin)));
    case 'not':
      return not(evaluate(e.operand, twin));
    case 'and': {
      const left = evaluate(e.left, twin);
      return left === false ? false : and(left, evaluate(e.right, twin));
    }
    case 'or': {
      const left = evaluate(e.left, twin);
      return left === true ? true : or(left, evaluate(e.right, twin));
    }
    case 'compare':
      return compare(e.op, evaluate(e.left, twin), evaluate(e.right, twin));
    case 'arithmetic':
      return arithmetic(e.op, evaluate(e.left, twin), evaluate(e.right, twin));
    case 'negate': {
      const v = evaluate(e.operand, twin);
      return kindOf(v) === 'number' ? -(v as number) : undefined;
    }
    case 'in': {
      const v = evaluate(e.operand, twin);
      if (kindOf(v) === 'undefined' || kindOf(v) === 'array' || kindOf(v) === 'object') return undefined;
      const found = e.values.some((c) => primitiveEquals(v, c) === true);
      return e.negated ? !found : found;
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** True when the condition evaluates to Boolean `true` for the twin (anything else is false). */
export function holds(condition: Expr, twin: unknown): boolean {
  return evaluate(condition, twin) === true;
}

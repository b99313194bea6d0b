import type { ArithmeticOp, CompareOp } from './ast.js';

/**
 * Value semantics of the twin query language. IoT Hub's query engine follows the DocumentDB (Cosmos DB) SQL rules
 * it was built on: an operation on `undefined` (a missing property) or on operands of different types yields
 * `undefined`, and a condition holds only when it evaluates to Boolean `true` ("Any constant different than Boolean
 * true is considered as false (including null, undefined, …)", iot-hub-devguide-query-language, Expressions and
 * conditions). Comparisons are defined between primitives only ("comparisons are supported only between primitive
 * types (no objects)", query-twins, Limitations). Strings compare ordinally, hence case-sensitively.
 */

/** The JSON type of a value; anything that is not JSON (functions, NaN, …) counts as `undefined`. */
export type ValueKind = 'undefined' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

/** Classifies a value found in a twin or produced by an expression. */
export function kindOf(value: unknown): ValueKind {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isFinite(value) ? 'number' : 'undefined';
    case 'string':
      return 'string';
    case 'object':
      return Array.isArray(value) ? 'array' : 'object';
    default:
      return 'undefined';
  }
}

/** True for `null`, booleans, finite numbers and strings. */
export function isPrimitive(value: unknown): boolean {
  const k = kindOf(value);
  return k === 'null' || k === 'boolean' || k === 'number' || k === 'string';
}

/** Equality of two primitives of the same type; `undefined` when either is not a primitive or the types differ. */
export function primitiveEquals(a: unknown, b: unknown): boolean | undefined {
  if (!isPrimitive(a) || !isPrimitive(b) || kindOf(a) !== kindOf(b)) return undefined;
  return a === b;
}

/**
 * Evaluates a comparison. `=` and `!=` need two primitives of one type; `<`, `<=`, `>`, `>=` need two numbers
 * or two strings (ordinal order). Anything else is `undefined`, so that `tags.x != 'a'` does not hold for a
 * twin without `tags.x`.
 */
export function compare(op: CompareOp, a: unknown, b: unknown): boolean | undefined {
  if (op === '=' || op === '!=') {
    const eq = primitiveEquals(a, b);
    return eq === undefined ? undefined : op === '=' ? eq : !eq;
  }
  const ka = kindOf(a);
  if ((ka !== 'number' && ka !== 'string') || ka !== kindOf(b)) return undefined;
  const x = a as number | string;
  const y = b as number | string;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/** Arithmetic on two numbers; `undefined` for any other operand or a non-finite result (e.g. division by zero). */
export function arithmetic(op: ArithmeticOp, a: unknown, b: unknown): number | undefined {
  if (kindOf(a) !== 'number' || kindOf(b) !== 'number') return undefined;
  const x = a as number;
  const y = b as number;
  let r: number;
  switch (op) {
    case '+':
      r = x + y;
      break;
    case '-':
      r = x - y;
      break;
    case '*':
      r = x * y;
      break;
    case '/':
      r = x / y;
      break;
    case '%':
      r = x % y;
      break;
    default: {
      const never: never = op;
      return never;
    }
  }
  return Number.isFinite(r) ? r : undefined;
}

/** Three-valued AND: `false` wins, `true` needs both, anything else is `undefined`. */
export function and(a: unknown, b: unknown): boolean | undefined {
  if (a === false || b === false) return false;
  return a === true && b === true ? true : undefined;
}

/** Three-valued OR: `true` wins, `false` needs both, anything else is `undefined`. */
export function or(a: unknown, b: unknown): boolean | undefined {
  if (a === true || b === true) return true;
  return a === false && b === false ? false : undefined;
}

/** Three-valued NOT: only Booleans are negated. */
export function not(a: unknown): boolean | undefined {
  return typeof a === 'boolean' ? !a : undefined;
}

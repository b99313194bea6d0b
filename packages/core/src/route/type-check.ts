import type { BinaryOperator, UnaryOperator } from './ast.js';

/**
 * Compile-time types of the route language and the operand rules of edgeHub's `ConditionVisitor`
 * (reference §3.3). `dynamic` is the type of a `$body` query (edgeHub's `QueryValue`): it is accepted where a
 * bool, number, string or null is expected, and its actual type is only known per message.
 */
export type StaticType = 'bool' | 'number' | 'string' | 'null' | 'undefined' | 'dynamic';

/** Result of checking an operator: the result type, or the operand types the operator expected. */
export type OperandCheck =
  | { readonly ok: true; readonly result: StaticType }
  | { readonly ok: false; readonly expected: readonly StaticType[] };

// Types a query value converts to and from (QueryValue.IsSupportedType).
const QUERY_CONVERTIBLE: ReadonlySet<StaticType> = new Set<StaticType>(['bool', 'number', 'string', 'null']);

/** edgeHub `Args.Match` for one argument: equal types, or a query value on either side of a convertible type. */
export function accepts(expected: StaticType, given: StaticType, allowDynamic: boolean): boolean {
  if (expected === given) return true;
  if (!allowDynamic) return false;
  return (given === 'dynamic' && QUERY_CONVERTIBLE.has(expected)) || (expected === 'dynamic' && QUERY_CONVERTIBLE.has(given));
}

function both(expected: StaticType, l: StaticType, r: StaticType): boolean {
  return accepts(expected, l, true) && accepts(expected, r, true);
}

/** Checks `-x` and `NOT x`. `NOT null` is valid (and true), as in edgeHub. */
export function checkUnary(op: UnaryOperator, t: StaticType): OperandCheck {
  if (op === '-') return accepts('number', t, true) ? { ok: true, result: t } : { ok: false, expected: ['number'] };
  if (t === 'null') return { ok: true, result: 'bool' };
  return accepts('bool', t, true) ? { ok: true, result: 'bool' } : { ok: false, expected: ['bool'] };
}

const LOGIC_OPERAND: ReadonlySet<StaticType> = new Set<StaticType>(['null', 'bool', 'undefined', 'dynamic']);

// AND/OR (ConditionVisitor.CheckBooleanOperands): the left operand must be null, bool, undefined or dynamic; the
// right one likewise, except that edgeHub accepts any right operand after a dynamic left one (it then evaluates
// to undefined). Combinations edgeHub's expression compiler cannot build (null with undefined; null AND dynamic)
// are rejected here as type errors, since edgeHub fails to compile them too.
function checkLogic(op: 'AND' | 'OR', l: StaticType, r: StaticType): OperandCheck {
  const valid = LOGIC_OPERAND.has(l) && (LOGIC_OPERAND.has(r) || l === 'dynamic');
  const pair = new Set([l, r]);
  const unbuildable = (pair.has('null') && pair.has('undefined')) || (op === 'AND' && pair.has('null') && pair.has('dynamic'));
  if (!valid || unbuildable) return { ok: false, expected: ['bool', 'bool'] };
  if (op === 'AND') return { ok: true, result: (l === 'null' || r === 'null') && !pair.has('dynamic') ? 'null' : 'bool' };
  return { ok: true, result: l === 'null' && r === 'null' ? 'null' : 'bool' };
}

/** Checks a binary operator; the comparison's (and `??`'s) expected type is the left operand's type. */
export function checkBinary(op: BinaryOperator, l: StaticType, r: StaticType): OperandCheck {
  switch (op) {
    case '*':
    case '/':
    case '%':
    case '+':
    case '-':
      if (!both('number', l, r)) return { ok: false, expected: ['number', 'number'] };
      return { ok: true, result: l === 'number' && r === 'number' ? 'number' : 'dynamic' };
    case '||':
      return both('string', l, r) ? { ok: true, result: 'string' } : { ok: false, expected: ['string', 'string'] };
    case '<':
    case '<=':
    case '>':
    case '>=':
    case '=':
    case '!=':
    case '<>':
      return accepts(l, r, true) ? { ok: true, result: 'bool' } : { ok: false, expected: [l, l] };
    case 'AND':
    case 'OR':
      return checkLogic(op, l, r);
    case '??':
      if (!accepts(l, r, true)) return { ok: false, expected: [l, l] };
      return { ok: true, result: l === 'dynamic' || r === 'dynamic' ? 'dynamic' : l };
    default: {
      const never: never = op;
      return never;
    }
  }
}

/** How a type is named in error messages. */
export function typeName(t: StaticType): string {
  return t === 'dynamic' ? 'dynamic ($body)' : t;
}

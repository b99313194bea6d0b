import type { BinaryExpr, CallExpr, Expr, SystemPropertyExpr, UnaryExpr } from './ast.js';
import { parseBodyPath } from './body.js';
import type { BodyPath } from './body.js';
import { BUILTIN_NAMES, TWIN_CHANGE_INCLUDES, builtinName, resolveOverload, signatures } from './builtins.js';
import type { Overload } from './builtins.js';
import type { RouteEvaluationContext } from './eval-context.js';
import {
  constant, makeAnd, makeAppOrBodyQuery, makeAppOrSystemProperty, makeAppProperty, makeArithmetic, makeBodyQuery,
  makeCoalesce, makeCompare, makeConcat, makeDynamicLogic, makeNegate, makeNot, makeOr, makeSystemProperty,
} from './evaluate.js';
import type { ArithmeticOperator, CompareOperator, Evaluator } from './evaluate.js';
import { startsWithIgnoreCase } from './invariant-text.js';
import { routeErrorAt } from './route-error.js';
import type { RouteCompileError, RouteErrorCode } from './route-error.js';
import { checkBinary, checkUnary, typeName } from './type-check.js';
import type { StaticType } from './type-check.js';

/** Outcome of a condition for one message: only `true` routes it (three-valued logic, reference §3.3). */
export type RouteConditionResult = boolean | undefined;

/** What the compiler needs to know about the route being compiled; errors are appended to `errors`. */
export interface ConditionEnv {
  readonly route: string;
  readonly text: string;
  readonly twinChangeSource: boolean;
  readonly errors: RouteCompileError[];
}

interface Compiled {
  readonly type: StaticType;
  readonly evaluate: Evaluator;
  readonly readsBody: boolean;
  /** Set after an error, so one mistake is reported once rather than again by every enclosing operator. */
  readonly poisoned: boolean;
}

const POISONED: Compiled = { type: 'undefined', evaluate: constant(undefined), readsBody: false, poisoned: true };
const TWIN_PREFIXES = ['properties.reported.', 'properties.desired.', 'tags.'];

function report(env: ConditionEnv, code: RouteErrorCode, at: number, problem: string): Compiled {
  env.errors.push(routeErrorAt(code, env.route, env.text, at, problem));
  return POISONED;
}

function ok(type: StaticType, evaluate: Evaluator, readsBody = false): Compiled {
  return { type, evaluate, readsBody, poisoned: false };
}

function bodyPath(env: ConditionEnv, e: SystemPropertyExpr): BodyPath | undefined {
  const parsed = parseBodyPath(e.name.slice('$body.'.length));
  if (parsed.ok) return parsed.path;
  report(env, 'ROUTE_BODY_QUERY_INVALID', e.start, `invalid $body query '${e.name}': ${parsed.problem}`);
  return undefined;
}

// What IoT Hub's routing can query but a message does not carry (reference §3.3: no `$twin.*`, no twin tags). In
// edgeHub such a name falls through to an application or system property the message never has, so the route
// silently never fires; Verge refuses it instead.
function cloudOnlyProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower === '$twin' || lower.startsWith('$twin.') || lower.startsWith('$twin[')) {
    return `'${name}' reads the device twin, which only IoT Hub's own routing can query; the edge hub evaluates a condition on the message alone, so this route would never fire (put the value in a message property or the body)`;
  }
  if (lower === '$iothubname') {
    return `'${name}' is the IoT hub's name, which only IoT Hub's own routing knows; the edge hub cannot evaluate it, so this route would never fire`;
  }
  return undefined;
}

// Resolution of `$name` and `{$name}` (reference §3.3, edgeHub ConditionVisitor.VisitSysProperty[Escaped]).
function compileSystemProperty(env: ConditionEnv, e: SystemPropertyExpr): Compiled {
  const unavailable = cloudOnlyProblem(e.name);
  if (unavailable !== undefined) return report(env, 'ROUTE_PROPERTY_UNAVAILABLE', e.start, unavailable);
  const hasBrackets = e.name.includes('[') || e.name.includes(']');
  if (startsWithIgnoreCase(e.name, '$body.')) {
    const path = bodyPath(env, e);
    if (path === undefined) return POISONED;
    // Property names cannot contain brackets, so `$body.a[0]` is never looked up as an application property.
    const evaluate = e.escaped || hasBrackets ? makeBodyQuery(path) : makeAppOrBodyQuery(e.name, path);
    return ok('dynamic', evaluate, true);
  }
  if (hasBrackets) return ok('undefined', constant(undefined));
  const name = e.name.slice(1);
  return ok('string', e.escaped ? makeSystemProperty(name) : makeAppOrSystemProperty(e.name, name));
}

function callEvaluator(overload: Overload, args: readonly Evaluator[]): Evaluator {
  const f = overload.impl;
  if (typeof f !== 'function') return constant(f.constant);
  const [a, b, c] = args;
  if (args.length === 1 && a) return (ctx) => f(a(ctx));
  if (args.length === 2 && a && b) return (ctx) => f(a(ctx), b(ctx));
  if (args.length === 3 && a && b && c) return (ctx) => f(a(ctx), b(ctx), c(ctx));
  return (ctx) => f(...args.map((arg) => arg(ctx)));
}

// twin_change_includes(path): true when the twin-change body contains the path (even with a null value, which
// deletes a property), false when it does not, undefined when the body cannot be read.
function compileTwinChange(env: ConditionEnv, e: CallExpr): Compiled {
  if (!env.twinChangeSource) {
    return report(env, 'ROUTE_FUNCTION_NOT_ALLOWED', e.start, `${e.name} can only be used in routes FROM /twinChangeNotifications`);
  }
  if (e.argText === '') {
    return report(env, 'ROUTE_FUNCTION_ARGUMENTS_INVALID', e.start, `${e.name} needs a twin path, e.g. ${e.name}(properties.reported.temperature)`);
  }
  const parsed = parseBodyPath(e.argText);
  if (!parsed.ok) return report(env, 'ROUTE_BODY_QUERY_INVALID', e.start, `invalid ${e.name} path: ${parsed.problem}`);
  if (!TWIN_PREFIXES.some((p) => startsWithIgnoreCase(e.argText, p))) {
    const list = TWIN_PREFIXES.map((p) => `'${p}'`).join(', ');
    return report(env, 'ROUTE_BODY_QUERY_INVALID', e.start, `${e.name} path '${e.argText}' must start with one of ${list}`);
  }
  const path = parsed.path;
  const evaluate: Evaluator = (ctx: RouteEvaluationContext) => {
    const node = ctx.bodyNode(path);
    return node.found ? true : node.error ? undefined : false;
  };
  return ok('bool', evaluate, true);
}

function compileCall(env: ConditionEnv, e: CallExpr): Compiled {
  const name = builtinName(e.name);
  if (name === undefined) {
    return report(env, 'ROUTE_FUNCTION_UNKNOWN', e.start, `unknown function '${e.name}'; the built-in functions are ${BUILTIN_NAMES.join(', ')}`);
  }
  if (name === TWIN_CHANGE_INCLUDES) return compileTwinChange(env, e);
  const args = e.args.map((a) => compileExpr(env, a));
  if (args.some((a) => a.poisoned)) return POISONED;
  const types = args.map((a) => a.type);
  const overload = resolveOverload(name, types);
  if (overload === undefined) {
    const given = `${e.name}(${types.map(typeName).join(', ')})`;
    return report(env, 'ROUTE_FUNCTION_ARGUMENTS_INVALID', e.start, `invalid arguments to built-in function '${e.name}': ${given}; expected ${signatures(name).join(' or ')}`);
  }
  return ok(overload.result, callEvaluator(overload, args.map((a) => a.evaluate)), args.some((a) => a.readsBody));
}

function compileUnary(env: ConditionEnv, e: UnaryExpr): Compiled {
  const operand = compileExpr(env, e.operand);
  if (operand.poisoned) return POISONED;
  const check = checkUnary(e.op, operand.type);
  if (!check.ok) {
    const problem = `invalid operand to unary operator '${e.opText}': have '${typeName(operand.type)}', expected '${check.expected.join("' or '")}'`;
    return report(env, 'ROUTE_OPERAND_TYPE_MISMATCH', e.opStart, problem);
  }
  if (e.op === '-') return ok(check.result, makeNegate(operand.evaluate), operand.readsBody);
  // `NOT null` is true in edgeHub (Null's `!` operator).
  return ok('bool', operand.type === 'null' ? constant(true) : makeNot(operand.evaluate), operand.readsBody);
}

function logic(op: 'AND' | 'OR', l: Compiled, r: Compiled): Evaluator {
  if (l.type === 'dynamic' || r.type === 'dynamic') return makeDynamicLogic(op, l.evaluate, r.evaluate);
  // edgeHub's Null operators: null AND x is null; null OR x is x.
  if (op === 'AND') return l.type === 'null' || r.type === 'null' ? constant(null) : makeAnd(l.evaluate, r.evaluate);
  if (l.type === 'null') return r.type === 'null' ? constant(null) : r.evaluate;
  return r.type === 'null' ? l.evaluate : makeOr(l.evaluate, r.evaluate);
}

function binaryEvaluator(e: BinaryExpr, l: Compiled, r: Compiled): Evaluator {
  switch (e.op) {
    case '*': case '/': case '%': case '+': case '-':
      return makeArithmetic(e.op as ArithmeticOperator, l.evaluate, r.evaluate);
    case '||':
      return makeConcat(l.evaluate, r.evaluate);
    case '<': case '<=': case '>': case '>=': case '=': case '!=': case '<>':
      return makeCompare(e.op as CompareOperator, l.evaluate, r.evaluate);
    case 'AND': case 'OR':
      return logic(e.op, l, r);
    case '??':
      return l.type === 'undefined' ? r.evaluate : makeCoalesce(l.evaluate, r.evaluate);
    default: {
      const never: never = e.op;
      return never;
    }
  }
}

function compileBinary(env: ConditionEnv, e: BinaryExpr): Compiled {
  const l = compileExpr(env, e.left);
  const r = compileExpr(env, e.right);
  if (l.poisoned || r.poisoned) return POISONED;
  const check = checkBinary(e.op, l.type, r.type);
  if (!check.ok) {
    const [x, y] = check.expected.map((t) => `'${typeName(t)}'`);
    const types = [l.type, r.type];
    const hint = types.includes('string') && types.includes('number')
      ? '; properties are strings: compare with a string literal or convert with as_number()'
      : '';
    const problem = `invalid operands to binary operator '${e.opText}': have '${typeName(l.type)}' and '${typeName(r.type)}', expected ${x} and ${y}${hint}`;
    return report(env, 'ROUTE_OPERAND_TYPE_MISMATCH', e.opStart, problem);
  }
  return ok(check.result, binaryEvaluator(e, l, r), l.readsBody || r.readsBody);
}

function compileExpr(env: ConditionEnv, e: Expr): Compiled {
  switch (e.kind) {
    case 'literal':
      return ok(e.type, constant(e.value));
    case 'property':
      return ok('string', makeAppProperty(e.name));
    case 'systemProperty':
      return compileSystemProperty(env, e);
    case 'call':
      return compileCall(env, e);
    case 'unary':
      return compileUnary(env, e);
    case 'binary':
      return compileBinary(env, e);
    default: {
      const never: never = e;
      return never;
    }
  }
}

/**
 * Type-checks a condition and compiles it to a closure. Returns undefined when errors were appended to
 * `env.errors`. A condition whose type is not bool compiles (edgeHub accepts `WHERE 3`) and is undefined at run
 * time; one of type null (e.g. `null AND true`) is false.
 */
export function compileCondition(env: ConditionEnv, e: Expr): { evaluate: (ctx: RouteEvaluationContext) => RouteConditionResult; readsBody: boolean } | undefined {
  const c = compileExpr(env, e);
  if (c.poisoned) return undefined;
  if (c.type === 'null') return { evaluate: () => false, readsBody: c.readsBody };
  if (c.type === 'bool') return { evaluate: c.evaluate as (ctx: RouteEvaluationContext) => RouteConditionResult, readsBody: c.readsBody };
  const inner = c.evaluate;
  return { evaluate: (ctx) => { const v = inner(ctx); return v === true ? true : v === false ? false : undefined; }, readsBody: c.readsBody };
}

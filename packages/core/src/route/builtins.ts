import type { Value } from './evaluate.js';
import { num } from './evaluate.js';
import { foldCase, lowerInvariant, parseInvariantNumber, upperInvariant } from './invariant-text.js';
import { accepts } from './type-check.js';
import type { StaticType } from './type-check.js';

/**
 * Built-in functions of the route language (reference §3.3; edgeHub `query/builtins/*`). Each function has
 * overloads tried in order, like edgeHub's executors; `dynamic: true` lets `$body` values stand in for the
 * parameter types, and such overloads check the value's actual type at run time (a mismatch gives undefined).
 */

type Params =
  | { readonly kind: 'fixed'; readonly types: readonly StaticType[] }
  | { readonly kind: 'variadic'; readonly type: StaticType; readonly min: number }
  | { readonly kind: 'any' };

/** One overload: parameters, result type, and either an implementation or a constant result. */
export interface Overload {
  readonly params: Params;
  readonly dynamic: boolean;
  readonly result: StaticType;
  readonly impl: ((...args: Value[]) => Value) | { readonly constant: Value };
}

const str = (v: Value): v is string => typeof v === 'string';
const isNum = (v: Value): v is number => typeof v === 'number';

function fixed(types: readonly StaticType[], result: StaticType, impl: Overload['impl'], dynamic = true): Overload {
  return { params: { kind: 'fixed', types }, dynamic, result, impl };
}

function math(f: (x: number) => number): readonly Overload[] {
  return [fixed(['number'], 'number', (a) => (isNum(a) ? num(f(a)) : undefined))];
}

const anyFalse = (): Overload => ({ params: { kind: 'any' }, dynamic: false, result: 'bool', impl: { constant: false } });

// .NET Math.Pow follows IEEE 754 pow: pow(1, y) = 1 and pow(-1, ±Infinity) = 1, where JavaScript gives NaN.
function power(x: number, y: number): number {
  if (x === 1 || (x === -1 && !Number.isFinite(y))) return 1;
  return Math.pow(x, y);
}

function substringFrom(s: Value, start: Value): Value {
  if (!str(s) || !isNum(start)) return undefined;
  return start >= 0 && start <= s.length ? s.substring(Math.trunc(start)) : undefined;
}

function substringOf(s: Value, start: Value, length: Value): Value {
  if (!str(s) || !isNum(start) || !isNum(length)) return undefined;
  // Bounds exactly as edgeHub's Substring.RuntimeStartLength (start must be below the string's length).
  if (!(start >= 0 && start < s.length && length >= 0 && length <= s.length - start)) return undefined;
  const from = Math.trunc(start);
  return s.substring(from, from + Math.trunc(length));
}

function strings2(result: StaticType, f: (a: string, b: string) => Value): readonly Overload[] {
  return [fixed(['string', 'string'], result, (a, b) => (str(a) && str(b) ? f(a, b) : undefined))];
}

const isDefined = (a: Value): Value => a !== undefined;

const TABLE = {
  abs: math(Math.abs),
  exp: math(Math.exp),
  power: [fixed(['number', 'number'], 'number', (a, b) => (isNum(a) && isNum(b) ? num(power(a, b)) : undefined))],
  square: math((x) => x * x),
  ceiling: math(Math.ceil),
  floor: math(Math.floor),
  sign: math((x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  sqrt: math(Math.sqrt),
  as_number: [
    fixed(['string'], 'number', (a) => (str(a) ? parseInvariantNumber(a) : isNum(a) ? a : undefined)),
    fixed(['number'], 'number', (a) => a, false),
  ],
  is_bool: [fixed(['bool'], 'bool', (a) => (a === undefined ? undefined : typeof a === 'boolean')), anyFalse()],
  is_defined: [
    fixed(['string'], 'bool', isDefined, false),
    fixed(['number'], 'bool', isDefined, false),
    fixed(['bool'], 'bool', isDefined, false),
    fixed(['undefined'], 'bool', { constant: false }, false),
    fixed(['null'], 'bool', { constant: true }, false),
    fixed(['dynamic'], 'bool', isDefined, false),
  ],
  is_null: [
    // Application and system properties are strings, never null.
    fixed(['string'], 'bool', { constant: false }, false),
    // edgeHub compares query values by reference here and so answers true for every present value; Verge
    // answers whether the value is null (a missing path is null, as for `$body.x = null`).
    fixed(['dynamic'], 'bool', (a) => (a === undefined ? undefined : a === null), false),
    fixed(['null'], 'bool', { constant: true }, false),
    anyFalse(),
  ],
  is_number: [fixed(['number'], 'bool', (a) => isNum(a) && Number.isFinite(a)), anyFalse()],
  is_string: [fixed(['string'], 'bool', (a) => str(a)), anyFalse()],
  concat: [
    {
      params: { kind: 'variadic', type: 'string', min: 2 },
      dynamic: true,
      result: 'string',
      impl: (...args) => (args.every(str) ? args.join('') : undefined),
    },
  ],
  length: [fixed(['string'], 'number', (a) => (str(a) ? a.length : undefined))],
  lower: [fixed(['string'], 'string', (a) => (str(a) ? lowerInvariant(a) : undefined))],
  upper: [fixed(['string'], 'string', (a) => (str(a) ? upperInvariant(a) : undefined))],
  substring: [
    fixed(['string', 'number'], 'string', substringFrom),
    fixed(['string', 'number', 'number'], 'string', substringOf),
  ],
  index_of: strings2('number', (a, b) => a.indexOf(b)),
  starts_with: strings2('bool', (a, b) => a.startsWith(b)),
  ends_with: strings2('bool', (a, b) => a.endsWith(b)),
  contains: strings2('bool', (a, b) => a.includes(b)),
} satisfies Record<string, readonly Overload[]>;

const OVERLOADS: ReadonlyMap<string, readonly Overload[]> = new Map(Object.entries(TABLE));

/** Name of the twin-change builtin, which takes a path rather than an expression and is compiled separately. */
export const TWIN_CHANGE_INCLUDES = 'twin_change_includes';

/** Every built-in function name, lower case. */
export const BUILTIN_NAMES: readonly string[] = [...OVERLOADS.keys(), TWIN_CHANGE_INCLUDES];

const BY_FOLDED: ReadonlyMap<string, string> = new Map(BUILTIN_NAMES.map((n) => [foldCase(n), n]));

/** Canonical (lower-case) name of a built-in, matched case-insensitively; undefined if unknown. */
export function builtinName(name: string): string | undefined {
  return BY_FOLDED.get(foldCase(name));
}

function matches(o: Overload, args: readonly StaticType[]): boolean {
  const p = o.params;
  switch (p.kind) {
    case 'fixed':
      return p.types.length === args.length && p.types.every((t, i) => accepts(t, args[i] as StaticType, o.dynamic));
    case 'variadic':
      // edgeHub VarArgs: every argument is the type itself or (when dynamic) a query value.
      return args.length >= p.min && args.every((a) => a === p.type || (o.dynamic && a === 'dynamic'));
    case 'any':
      return args.length === 1;
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** The first overload of `name` accepting `args`, as edgeHub picks its first matching executor. */
export function resolveOverload(name: string, args: readonly StaticType[]): Overload | undefined {
  return OVERLOADS.get(name)?.find((o) => matches(o, args));
}

/** Human-readable signatures of `name`, e.g. `substring(string, number)`. */
export function signatures(name: string): string[] {
  return (OVERLOADS.get(name) ?? []).map((o) => {
    const p = o.params;
    const list = p.kind === 'fixed' ? p.types.join(', ') : p.kind === 'variadic' ? `${p.type}, ${p.type}, ${p.type}...` : 'any';
    return `${name}(${list})`;
  });
}

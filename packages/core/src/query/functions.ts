import type { FunctionName } from './ast.js';
import { isPrimitive, kindOf } from './values.js';

/**
 * Scalar functions of twin queries. `IS_DEFINED` is the documented twin-query function ("Returns a Boolean
 * indicating if the property has been assigned a value (including null)", iot-hub-devguide-query-language,
 * Functions); the type checks are the IoT Hub query language's type-checking functions (same page); `STARTSWITH`
 * and `ENDSWITH` are accepted by twin queries under these names, without underscore (MicrosoftDocs/azure-docs
 * issues #85381 and #110329: `STARTS_WITH` is refused as "The query is invalid"). `CONTAINS` does not work in twin
 * queries (azure-docs issue #105649) and is therefore not offered.
 */
export interface FunctionSpec {
  readonly arity: number;
  readonly apply: (args: readonly unknown[]) => boolean | undefined;
}

function typeCheck(test: (value: unknown) => boolean): FunctionSpec {
  return { arity: 1, apply: ([v]) => test(v) };
}

function stringTest(test: (s: string, part: string) => boolean): FunctionSpec {
  return {
    arity: 2,
    apply: ([s, part]) => (typeof s === 'string' && typeof part === 'string' ? test(s, part) : undefined),
  };
}

/** The function table; names are matched case-insensitively (`is_defined(...)` in the IoT Hub docs). */
export const FUNCTIONS: Readonly<Record<FunctionName, FunctionSpec>> = {
  IS_DEFINED: typeCheck((v) => kindOf(v) !== 'undefined'),
  IS_NULL: typeCheck((v) => v === null),
  IS_STRING: typeCheck((v) => kindOf(v) === 'string'),
  IS_NUMBER: typeCheck((v) => kindOf(v) === 'number'),
  IS_BOOL: typeCheck((v) => kindOf(v) === 'boolean'),
  IS_OBJECT: typeCheck((v) => kindOf(v) === 'object'),
  IS_ARRAY: typeCheck((v) => kindOf(v) === 'array'),
  IS_PRIMITIVE: typeCheck(isPrimitive),
  STARTSWITH: stringTest((s, p) => s.startsWith(p)),
  ENDSWITH: stringTest((s, p) => s.endsWith(p)),
};

/** True when `name` (upper-case) is a scalar function. */
export function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(FUNCTIONS, name);
}

/** Aggregates allowed only in a SELECT list (iot-hub-devguide-query-language, SELECT clause). */
export const AGGREGATES = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX'] as const;
export type AggregateName = (typeof AGGREGATES)[number];

/** True when `name` (upper-case) is an aggregate. */
export function isAggregateName(name: string): name is AggregateName {
  return (AGGREGATES as readonly string[]).includes(name);
}

/** Why an unknown function name is refused, with a hint for the common mistakes. */
export function unknownFunctionProblem(name: string): string {
  const upper = name.toUpperCase();
  if (upper === 'STARTS_WITH' || upper === 'ENDS_WITH') {
    return `unknown function ${name}: twin queries spell it ${upper.replace('_', '')}`;
  }
  if (upper === 'CONTAINS') return 'function CONTAINS is not supported in twin queries (IoT Hub offers it only in message routing)';
  if (isAggregateName(upper)) return `aggregate ${upper}() is only allowed in the SELECT list`;
  return `unknown function ${name}; twin queries support ${Object.keys(FUNCTIONS).join(', ')}`;
}

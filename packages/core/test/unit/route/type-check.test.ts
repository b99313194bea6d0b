import { describe, expect, it } from 'vitest';
import { conditionError, routeErrors } from './helpers.js';

// Conditions edgeHub refuses to compile (its ConditionCompilerTest failure table, minus rows about null-valued
// properties): operand types are checked at compile time, the expected type of a comparison being the left
// operand's (reference §3.3). `none` is an application property (type string).
const rejected = [
  'is_defined(3 + none)', 'is_defined(true + 3)', 'is_defined(3 + true)', 'is_defined(3 + undefined)', "is_defined('a' + 'b')",
  'is_defined(undefined + 3)', 'is_defined(undefined + undefined)', 'is_defined(3 - none)', 'is_defined(true - 3)',
  'is_defined(3 - true)', 'is_defined(3 - undefined)', "is_defined('a' - 'b')", 'is_defined(undefined - 3)',
  'is_defined(3 * none)', 'is_defined(true * 3)', 'is_defined(3 * undefined)', "is_defined('a' * 'b')",
  'is_defined(3 / none)', 'is_defined(true / 3)', 'is_defined(3 / undefined)', "is_defined('a' / 'b')",
  'is_defined(3 % none)', 'is_defined(true % 3)', 'is_defined(3 % undefined)', "is_defined('a' % 'b')",
  'is_defined(3 = none)', 'is_defined(3 != none)', 'is_defined(3 <> none)', 'is_defined(3 > none)', 'is_defined(3 >= none)',
  'is_defined(3 < none)', 'is_defined(3 <= none)', 'is_defined(3 <= none.key1)', 'is_defined(3 <= none.key1.key2)',
  'key1 ?? "hello" = "value1"', '(key1 ?? 12.34)', '(12.34 ?? key1)', '(as_number(key2) ?? key1)', '(key1 ?? null)', '(key1 ?? true)',
  "concat() = 'avalue1d'", "concat('a') = 'avalue1d'", "concat(3) = 'avalue1d'", "concat('a', null) = 'avalue1d'",
  "concat('a', undefined) = 'avalue1d'", "concat('a', true) = 'avalue1d'", "'a' || null = 'avalue1d'", "'a' || undefined = 'avalue1d'",
  "'a' || true = 'avalue1d'", "length(12.34) = 'hello'", "length(null) = 'hello'", "length(undefined) = 'value1'", "length(true) = 'value1'",
  "lower(12.34) = 'hello'", "lower(null) = 'hello'", "lower(undefined) = 'value1'", "lower(true) = 'value1'",
  "upper(12.34) = 'hello'", "upper(null) = 'hello'", "upper(undefined) = 'value1'", "upper(false) = 'value1'",
  "substring() = 'hello'", "substring('hello') = 'hello'", "substring('hello', 'a') = 'hello'", "substring('hello', 'a', 'b') = 'hello'",
  "substring(12.34) = 'hello'", "substring(null) = 'hello'", "substring(undefined) = 'value1'", "substring(true) = 'value1'",
  'index_of()', "index_of('hello')", "index_of('hello', 'a', 'b')", "index_of('hello', 12.34)", "index_of(12.34, 'hello')",
  "index_of(null, 'hello')", "index_of('hello', null)", "index_of(undefined, 'hello')", "index_of(true, 'hello')",
  'starts_with()', "starts_with('hello')", "starts_with('hello', 'a', 'b')", "starts_with('hello', 12.34)", "starts_with(null, 'hello')",
  "starts_with(undefined, 'hello')", "starts_with(true, true)", 'ends_with()', "ends_with('hello', 12.34)", "ends_with(null, null)",
  'contains()', "contains('hello')", "contains(12.34, 'hello')", "contains('hello', undefined)", 'contains(true, true)',
  'is_defined(abs(null))', 'is_defined(abs(undefined))', 'is_defined(abs(true))', 'is_defined(abs(key1))', 'is_defined(abs(3, 4))',
  'is_defined(exp(null))', 'is_defined(exp(key1))', 'is_defined(exp(3, 4))', 'is_defined(power(null, 2))', 'is_defined(power(2, undefined))',
  'is_defined(power(true, true))', 'is_defined(power(key1, 2))', 'is_defined(power(2, 3, 4))', 'is_defined(square(null))',
  'is_defined(square(3, 3))', 'is_defined(ceiling(false))', 'is_defined(ceiling(key1))', 'is_defined(floor(undefined))', 'is_defined(floor(3, 3))',
  'is_defined(sign(true))', 'is_defined(sign(key1))', 'is_defined(sqrt(null))', 'is_defined(sqrt(3, 3))',
  'as_number(null) = 1', 'as_number(true) = 1', 'is_defined()', 'is_null(1, 2)',
  'test == true', 'true == test', 'none = "', 'none and true', 'undefined and "hello"', 'none or true', '- (key1)',
  'is_defined(not key1)', 'not undefined', 'null and undefined', 'undefined or null', 'null and $body.x',
  "undefined ?? 'a'", "as_number(none) ?? 1 + 2 = 3", "$body.x = undefined", "$body.x ?? undefined",
  'foo(1)', '$body.', '$body.a..b', '$body.a.0', '$body.a[x]', '$body.a[0][1]', '$body.properties[]', '$body.properties[1:2]', '$body;@',
  'twin_change_includes(properties.reported.x)',
];

describe('compile-time rejection', () => {
  it.each(rejected)('rejects %s', (condition) => {
    expect(routeErrors(`FROM /messages/* WHERE ${condition} INTO $upstream`).length).toBeGreaterThan(0);
  });

  it.each([
    ['temp > 30', "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 29: invalid operands to binary operator '>': have 'string' and 'number', expected 'string' and 'string'; properties are strings: compare with a string literal or convert with as_number()"],
    ['30 < temp', "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 27: invalid operands to binary operator '<': have 'number' and 'string', expected 'number' and 'number'; properties are strings: compare with a string literal or convert with as_number()"],
    ['a AND b', "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 26: invalid operands to binary operator 'AND': have 'string' and 'string', expected 'bool' and 'bool'"],
    ['NOT a', "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 24: invalid operand to unary operator 'NOT': have 'string', expected 'bool'"],
    ['not undefined', "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 24: invalid operand to unary operator 'not': have 'undefined', expected 'bool'"],
    ["- 'x' = 1", "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 24: invalid operand to unary operator '-': have 'string', expected 'number'"],
    ["'a' || 1 = 'a1'", "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 28: invalid operands to binary operator '||': have 'string' and 'number', expected 'string' and 'string'; properties are strings: compare with a string literal or convert with as_number()"],
    ['$body.x || 1 = 1', "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 32: invalid operands to binary operator '||': have 'dynamic ($body)' and 'number', expected 'string' and 'string'"],
    ["undefined ?? 'a'", "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 34: invalid operands to binary operator '??': have 'undefined' and 'string', expected 'undefined' and 'undefined'"],
    ['null and undefined', "ROUTE_OPERAND_TYPE_MISMATCH: Route \"r\", column 29: invalid operands to binary operator 'and': have 'null' and 'undefined', expected 'bool' and 'bool'"],
    ['abs(key1) = 1', "ROUTE_FUNCTION_ARGUMENTS_INVALID: Route \"r\", column 24: invalid arguments to built-in function 'abs': abs(string); expected abs(number)"],
    ["substring('a') = 'a'", "ROUTE_FUNCTION_ARGUMENTS_INVALID: Route \"r\", column 24: invalid arguments to built-in function 'substring': substring(string); expected substring(string, number) or substring(string, number, number)"],
    ["CONCAT('a') = 'a'", "ROUTE_FUNCTION_ARGUMENTS_INVALID: Route \"r\", column 24: invalid arguments to built-in function 'CONCAT': CONCAT(string); expected concat(string, string, string...)"],
    ['foo(1)', 'ROUTE_FUNCTION_UNKNOWN: Route "r", column 24: unknown function \'foo\'; the built-in functions are abs, exp, power, square, ceiling, floor, sign, sqrt, as_number, is_bool, is_defined, is_null, is_number, is_string, concat, length, lower, upper, substring, index_of, starts_with, ends_with, contains, twin_change_includes'],
    ['is_array($body.x)', "ROUTE_FUNCTION_UNKNOWN: Route \"r\", column 24: unknown function 'is_array'; the built-in functions are abs, exp, power, square, ceiling, floor, sign, sqrt, as_number, is_bool, is_defined, is_null, is_number, is_string, concat, length, lower, upper, substring, index_of, starts_with, ends_with, contains, twin_change_includes"],
    ['$body.a..b = 1', "ROUTE_BODY_QUERY_INVALID: Route \"r\", column 24: invalid $body query '$body.a..b': 'a..b' has an empty property name (two dots, or a leading or trailing dot)"],
    ['$body. = 1', "ROUTE_BODY_QUERY_INVALID: Route \"r\", column 24: invalid $body query '$body.': the path after $body. is empty"],
    ['$body.a[0][1] = 1', "ROUTE_BODY_QUERY_INVALID: Route \"r\", column 24: invalid $body query '$body.a[0][1]': 'a[0][1]' in 'a[0][1]' is not a property name or name[index]"],
    ['$body.a.0 = 1', "ROUTE_BODY_QUERY_INVALID: Route \"r\", column 24: invalid $body query '$body.a.0': '0' in 'a.0' is not a property name or name[index]"],
    ['twin_change_includes(properties.reported.x)', 'ROUTE_FUNCTION_NOT_ALLOWED: Route "r", column 24: twin_change_includes can only be used in routes FROM /twinChangeNotifications'],
  ])('%s is reported precisely', (condition, expected) => {
    expect(conditionError(condition)).toBe(expected);
  });

  it('reports every independent error of a route once, not every enclosing operator again', () => {
    const errors = routeErrors("FROM /messages/* WHERE (temp > 30 AND foo(1)) OR abs('x') = 1 INTO $upstream");
    expect(errors.map((e) => [e.code, e.column])).toEqual([
      ['ROUTE_OPERAND_TYPE_MISMATCH', 30],
      ['ROUTE_FUNCTION_UNKNOWN', 39],
      ['ROUTE_FUNCTION_ARGUMENTS_INVALID', 50],
    ]);
  });

  it('accepts what edgeHub accepts although it never fires', () => {
    // A dynamic left operand lets edgeHub accept any right operand of AND/OR (it then evaluates to undefined).
    expect(routeErrors.bind(null, 'FROM /* WHERE $body.x AND 5 INTO $upstream')).toThrow(/route compiled/);
    expect(routeErrors.bind(null, "FROM /* WHERE 'text' INTO $upstream")).toThrow(/route compiled/);
  });
});

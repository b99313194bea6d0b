import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { evaluateQueryExpression, parseConditionText, queryConditionHolds, QUERY_DIALECT, type TwinView } from '@verge/core';
import { deviceTwin, edgeAgentTwin } from './fixtures.js';

const holds = (text: string, twin: TwinView = deviceTwin) => queryConditionHolds(parseConditionText(text, QUERY_DIALECT), twin);
const value = (text: string, twin: TwinView = deviceTwin) => evaluateQueryExpression(parseConditionText(text, QUERY_DIALECT), twin);

function syntaxMessage(text: string): string {
  try {
    parseConditionText(text, QUERY_DIALECT);
  } catch (e) {
    if (isVergeError(e, 'QUERY_INVALID')) return e.message;
    throw e;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('comparison operators', () => {
  it.each([
    ["tags.environment = 'prod'", true],
    ["tags.environment = 'Prod'", false], // case-sensitive
    ["tags.environment != 'prod'", false],
    ["tags.environment != 'dev'", true],
    ["tags.environment <> 'dev'", true],
    ["tags.environment <> 'prod'", false],
    ['tags.building = 9', true],
    ['tags.building = 9.0', true],
    ['tags.building < 10', true],
    ['tags.building <= 9', true],
    ['tags.building > 9', false],
    ['tags.building >= 9', true],
    ['tags.building > 8.5', true],
    ["tags.environment < 'q'", true], // ordinal string order
    ["tags.environment > 'PROD'", true], // 'p' (0x70) > 'P' (0x50)
    ["tags.environment >= 'prod'", true],
    ['tags.active = true', true],
    ['tags.active = TRUE', true],
    ['tags.active != false', true],
    ['tags.nothing = null', true],
    ['tags.nothing != null', false],
    ["tags.empty = ''", true],
    ['0x10 = 16', true],
    ['.5 = 0.5', true],
    ['2e3 = 2000', true],
    ['-3 < -2', true],
  ])('%s → %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });

  it.each([
    ["tags.missing = 'x'"],
    ["tags.missing != 'x'"], // undefined never compares, not even with !=
    ["tags.missing <> 'x'"],
    ['tags.missing < 1'],
    ["tags.building = '9'"], // type mismatch
    ["tags.building != '9'"],
    ['tags.active < true'], // booleans have no order
    ['tags.nothing < 1'],
    ['tags.location = tags.location'], // objects never compare
    ['tags.list = tags.list'],
    ["tags.location.region.deeper = 'US'"], // path through a string
  ])('%s is undefined, hence false', (text) => {
    expect(value(text)).toBeUndefined();
    expect(holds(text)).toBe(false);
  });

  it('compares two paths (reference §10.4: desired.$version = reported.lastDesiredVersion)', () => {
    expect(holds('properties.desired.$version = properties.reported.lastDesiredVersion')).toBe(true);
    expect(holds('properties.reported.lastDesiredStatus.code = 200')).toBe(true);
    expect(holds('properties.reported.lastDesiredStatus.code != 200')).toBe(false);
  });
});

describe('logical operators and three-valued logic', () => {
  it.each([
    ["tags.environment = 'prod' AND tags.building = 9", true],
    ["tags.environment = 'prod' and tags.building = 8", false],
    ["tags.environment = 'dev' OR tags.building = 9", true],
    ["tags.environment = 'dev' or tags.building = 8", false],
    ["NOT tags.environment = 'dev'", true],
    ["not tags.environment = 'prod'", false],
    ["NOT (tags.environment = 'dev')", true],
    ['NOT NOT tags.active', true],
    // undefined propagates: NOT undefined is undefined, so a missing tag is not "not equal"
    ["NOT tags.missing = 'x'", false],
    ["tags.missing = 'x' OR tags.building = 9", true],
    ["tags.missing = 'x' AND tags.building = 9", false],
    ["NOT (tags.missing = 'x' AND tags.building = 8)", true], // undefined AND false = false
    ["NOT (tags.missing = 'x' OR tags.building = 8)", false], // undefined OR false = undefined
    ['tags.environment', false], // a non-Boolean value is not true
    ['tags.active', true],
    ['NOT tags.environment', false],
  ])('%s → %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });
});

describe('precedence: comparison > NOT > AND > OR', () => {
  it.each([
    // a OR b AND c = a OR (b AND c)
    ["tags.building = 9 OR tags.building = 1 AND tags.building = 2", true],
    ["(tags.building = 9 OR tags.building = 1) AND tags.building = 2", false],
    // NOT binds tighter than AND: NOT a AND b = (NOT a) AND b
    ["NOT tags.building = 1 AND tags.building = 9", true],
    ["NOT (tags.building = 1 AND tags.building = 9)", true],
    ["NOT tags.building = 9 AND tags.building = 9", false],
    ["NOT (tags.building = 9 AND tags.building = 1)", true],
    // NOT binds tighter than OR
    ["NOT tags.building = 9 OR tags.building = 9", true],
    ["NOT (tags.building = 9 OR tags.building = 9)", false],
    // arithmetic binds tighter than comparison; * tighter than +
    ['tags.building + 1 = 10', true],
    ['1 + 2 * 3 = 7', true],
    ['(1 + 2) * 3 = 9', true],
    ['10 - 4 - 3 = 3', true], // left-associative
    ['7 % 4 = 3', true],
    ['9 / 2 = 4.5', true],
    ['-tags.building = -9', true],
  ])('%s → %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });

  it('gives undefined for arithmetic on non-numbers and division by zero', () => {
    expect(value("tags.environment + 1")).toBeUndefined();
    expect(value('1 / 0')).toBeUndefined();
    expect(value("-tags.environment")).toBeUndefined();
  });
});

describe('IN and NIN', () => {
  it.each([
    ["tags.environment IN ['dev', 'prod']", true],
    ["tags.environment in ['dev', 'test']", false],
    ["tags.environment NIN ['dev', 'test']", true],
    ["tags.environment nin ['dev', 'prod']", false],
    ["properties.reported.connectivity IN ['wired', 'wifi']", true], // query-twins example
    ['tags.building IN [1, 9]', true],
    ["tags.building IN ['9']", false], // no type coercion
    ["tags.building NIN ['9']", true],
    ['tags.building IN [-1, 9.0]', true],
    ["tags.active IN ['true', true]", true], // azure-iot-cli-extension issue #347
    ['tags.nothing IN [null]', true],
    ["tags.environment IN ['prod']", true],
    ["deviceId IN ['device1', 'dev1']", true],
  ])('%s → %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });

  it('is undefined for a missing or non-primitive operand, with IN and with NIN', () => {
    expect(value("tags.missing IN ['x']")).toBeUndefined();
    expect(value("tags.missing NIN ['x']")).toBeUndefined();
    expect(value('tags.location NIN [1]')).toBeUndefined();
  });
});

describe('functions', () => {
  it.each([
    ['IS_DEFINED(tags.environment)', true],
    ['is_defined(properties.reported.connectivity)', true], // documented lower-case spelling
    ['IS_DEFINED(tags.nothing)', true], // "including null"
    ['IS_DEFINED(tags.missing)', false],
    ['NOT IS_DEFINED(tags.missing)', true],
    ['IS_NULL(tags.nothing)', true],
    ['IS_NULL(tags.missing)', false],
    ['IS_STRING(tags.environment)', true],
    ['IS_STRING(tags.building)', false],
    ['IS_NUMBER(tags.building)', true],
    ['IS_BOOL(tags.active)', true],
    ['IS_BOOL(tags.environment)', false],
    ['IS_OBJECT(tags.location)', true],
    ['IS_OBJECT(tags.list)', false],
    ['IS_ARRAY(tags.list)', true],
    ['IS_PRIMITIVE(tags.nothing)', true],
    ['IS_PRIMITIVE(tags.location)', false],
    ['IS_PRIMITIVE(tags.missing)', false],
    ["STARTSWITH(deviceId, 'dev')", true],
    ["startswith(deviceId, 'Dev')", false],
    ["ENDSWITH(tags.location.plant, '43')", true],
    ["ENDSWITH(tags.location.plant, 'x')", false],
    ["STARTSWITH(tags.building, '9')", false], // not a string: undefined
    ["NOT STARTSWITH(tags.building, '9')", false],
    ["STARTSWITH(tags.environment, '')", true],
  ])('%s → %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });
});

describe('property paths', () => {
  it.each([
    ["tags.location.region = 'US'", true],
    ["tags.[[a-b]] = 'dash'", true], // escaped key with an operator character
    ["tags.[[group]] = 'g1'", true], // escaped reserved word
    ["[[tags]].environment = 'prod'", true],
    ['capabilities.iotEdge = true', true],
    ["status = 'enabled'", true],
    ["connectionState = 'Connected'", true],
    ["DeviceId = 'dev1'", true], // top-level names match case-insensitively (query-twins: SELECT DeviceId)
    ["Tags.environment = 'prod'", true],
    ["tags.Environment = 'prod'", false], // below the top level keys are case-sensitive
    ['IS_DEFINED(tags.constructor)', false], // only own properties
    ['IS_DEFINED(tags.__proto__)', false],
    ['IS_DEFINED(tags.toString)', false],
  ])('%s → %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });

  it('addresses a configuration with [[id]] (reference §10.4)', () => {
    expect(holds("moduleId = '$edgeAgent' AND configurations.[[base-1]].status = 'Applied'", edgeAgentTwin)).toBe(true);
    expect(holds("configurations.[[old-2]].status = 'Applied'", edgeAgentTwin)).toBe(false);
  });
});

describe('string literals', () => {
  it.each([
    ["tags.owner = 'operator''s'", true], // '' escapes a quote
    ["tags.owner = \"operator's\"", true], // double quotes in queries
    ["tags.owner = 'operator\\'s'", true], // \' escape
    ['tags.owner = "operator\\u0027s"', true], // \uXXXX escape
    ["'a\"b' = \"a\\\"b\"", true],
    ["'a\\\\b' = 'a\\u005Cb'", true],
    ["'''' = \"'\"", true],
    ["\"\"\"\" = '\"'", true],
  ])('%s → %s', (text, expected) => {
    expect(holds(text)).toBe(expected);
  });
});

describe('rejections name the position, what was expected and what was found', () => {
  it.each([
    ['', 'query: column 1: expected a value (a property path, a constant, a function call or a parenthesized condition), found end of input'],
    ["tags.a =", 'query: column 9: expected a value (a property path, a constant, a function call or a parenthesized condition), found end of input'],
    ["tags.a = 'x' AND", 'query: column 17: expected a value (a property path, a constant, a function call or a parenthesized condition), found end of input'],
    ["tags.a = 'x' tags.b = 'y'", "query: column 14: expected AND, OR or end of condition, found 'tags'"],
    ["(tags.a = 'x'", "query: column 14: expected ')' to close the '(' at column 1, found end of input"],
    ["tags.a = 'x')", "query: column 13: expected AND, OR or end of condition, found ')'"],
    ["tags.a = 'x", "query: column 10: unterminated string: no closing ' for the string starting here"],
    ["tags.a = 'x\\n'", "query: column 12: invalid escape '\\n': a string allows only \\', \\\", \\\\ and \\uXXXX"],
    ["tags.a = '\\u12'", 'query: column 11: invalid escape: \\u must be followed by 4 hexadecimal digits'],
    ['tags.a = 12abc', "query: column 10: invalid number '12a': a number may not run into a name"],
    ['tags.a = 0x', 'query: column 10: invalid number: 0x must be followed by hexadecimal digits'],
    ['tags.a = 1e999', "query: column 10: number '1e999' is out of range"],
    ["tags.a == 'x'", 'query: column 9: expected a value (a property path, a constant, a function call or a parenthesized condition), found \'=\''],
    ["tags.a ! 'x'", "query: column 8: unexpected character '!' (for 'not equal' write != or <>)"],
    ["tags.a = 'x' && tags.b = 'y'", "query: column 14: unexpected character '&' (write AND / OR)"],
    ['tags.a = 1 = 1', "query: column 12: comparisons cannot be chained: combine them with AND or OR (found '=')"],
    ["tags.group = 'x'", "query: column 6: 'group' is a reserved word: escape it as [[group]]"],
    ['tags. = 1', "query: column 7: expected a property name after '.', found '='"],
    ['tags.[[a = 1', "query: column 6: expected ']]' to close the escaped name opened here"],
    ['tags.[[]] = 1', 'query: column 6: expected a name between [[ and ]], found an empty one'],
    ["tags.a NOT IN ['x']", 'query: column 8: NOT IN is not part of the IoT Hub query language; write NIN [...]'],
    ["tags.a IN 'x'", "query: column 11: expected '[' to start the list of values, found string 'x'"],
    ['tags.a IN []', 'query: column 12: expected a value (a property path, a constant, a function call or a parenthesized condition), found \']\''],
    ["tags.a IN ['x' 'y']", "query: column 16: expected ',' or ']', found string 'y'"],
    ['tags.a IN [tags.b]', 'query: column 12: a list after IN or NIN may hold only constants (strings, numbers, true, false, null)'],
    ["tags.a = ['x']", 'query: column 10: an array constant [...] is only allowed after IN or NIN'],
    ["STARTS_WITH(deviceId, 'a')", 'query: column 1: unknown function STARTS_WITH: twin queries spell it STARTSWITH'],
    ["ENDS_WITH(deviceId, 'a')", 'query: column 1: unknown function ENDS_WITH: twin queries spell it ENDSWITH'],
    ["CONTAINS(deviceId, 'a')", 'query: column 1: function CONTAINS is not supported in twin queries (IoT Hub offers it only in message routing)'],
    ['COUNT() = 1', 'query: column 1: aggregate COUNT() is only allowed in the SELECT list'],
    [
      'LOWER(deviceId) = 1',
      'query: column 1: unknown function LOWER; twin queries support IS_DEFINED, IS_NULL, IS_STRING, IS_NUMBER, IS_BOOL, IS_OBJECT, IS_ARRAY, IS_PRIMITIVE, STARTSWITH, ENDSWITH',
    ],
    ['IS_DEFINED(tags.a, tags.b)', 'query: column 1: IS_DEFINED takes 1 argument, found 2'],
    ["STARTSWITH(deviceId)", 'query: column 1: STARTSWITH takes 2 arguments, found 1'],
    ['IS_DEFINED(', "query: column 12: expected a value (a property path, a constant, a function call or a parenthesized condition), found end of input"],
    ['IS_DEFINED(tags.a', "query: column 18: expected ',' or ')', found end of input"],
    ['AND = 1', "query: column 1: expected a value (a property path, a constant, a function call or a parenthesized condition), found 'AND'"],
    ["tags.a = 'x' #", "query: column 14: unexpected character '#'"],
    ["tags.a = 1\n  AND tags.b = ", 'query: line 2, column 16: expected a value (a property path, a constant, a function call or a parenthesized condition), found end of input'],
  ])('%j', (text, message) => {
    expect(syntaxMessage(text)).toBe(message);
  });

  it('limits nesting', () => {
    expect(syntaxMessage(`${'('.repeat(65)}1${')'.repeat(65)}`)).toBe('query: column 65: expression nests deeper than 64 levels');
    expect(syntaxMessage(`${'NOT '.repeat(65)}true`)).toBe('query: column 257: expression nests deeper than 64 levels');
    expect(holds(`${'('.repeat(64)}true${')'.repeat(64)}`)).toBe(true);
  });

  it('carries the position in details', () => {
    try {
      parseConditionText('tags.a =\n  = 1', QUERY_DIALECT);
      expect.unreachable();
    } catch (e) {
      expect(isVergeError(e, 'QUERY_INVALID') && e.details).toEqual({ offset: 11, line: 2, column: 3 });
    }
  });
});

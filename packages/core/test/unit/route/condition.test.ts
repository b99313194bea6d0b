import { describe, expect, it } from 'vitest';
import { evaluate, message } from './helpers.js';

// Message of edgeHub's ConditionCompilerTest (its null-valued properties are left out: Verge's properties are
// strings). Each row: condition → expected result (true, false, or undefined = does not fire).
const msg = message({
  properties: { key1: 'value1', key2: '3', key3: 'VALUE3', $sys4: 'value4' },
  systemProperties: { sys1: 'sysvalue1', sys2: '4', sys3: 'SYSVALUE3', sys4: 'sysvalue4' },
});

type Row = readonly [string, boolean | undefined];

const literals: Row[] = [
  ['3', undefined],
  ['"a string"', undefined],
  ["'a string'", undefined],
  ['undefined', undefined],
  ['true', true],
  ['false', false],
  ['null', false],
  ['not null', true],
  ['0x10 = 16', true],
  ['0XfF = 255', true],
  ['0xFFFFFFFFFFFFFFFF = -1', true],
  ['is_defined(0x10000000000000000)', false],
  ['1.5e3 = 1500', true],
  ['.5 = 0.5', true],
  ['-.5e1 = -5', true],
  ['is_defined(e5)', false],
  ["'it\\'s' = \"it's\"", true],
  ["'\\u0041\\\\' = 'A\\\\'", true],
  ["\"\\\"\" = '\"'", true],
  ["length('\\\\u0041') = 6", true],
];

const equality: Row[] = [
  ['3 = 3', true], ['3 = 4', false], ['"3" = "3"', true], ['"3" = "4"', false], ["'3' = '3'", true], ["'3' = '4'", false],
  ['true = true', true], ['true = false', false], ['false = false', true], ['false = true', false],
  ['key2 = "3"', true], ["key2 = '3'", true], ['as_number(key2) = 3', true], ['as_number(key2) = 4', false],
  ['is_defined(none = "4")', false], ['as_number(none) = 3', undefined],
  ['$sys2 = "4"', true], ["$sys2 = '4'", true], ['as_number($sys2) = 4', true], ['as_number($sys2) = 3', false],
  ['is_defined($none)', false], ['as_number($none) = 3', undefined],
  ['3 != 3', false], ['3 != 4', true], ['"3" != "3"', false], ['"3" != "4"', true], ["'3' != '3'", false], ["'3' != '4'", true],
  ['true != true', false], ['true != false', true], ['false != false', false], ['false != true', true],
  ['key2 != "3"', false], ["key2 != '3'", false], ['as_number(key2) != 3', false], ['as_number(key2) != 4', true],
  ['none != "4"', undefined], ['as_number(none) != 3', undefined],
  ['3 <> 3', false], ['3 <> 4', true], ['"3" <> "3"', false], ['"3" <> "4"', true], ["'3' <> '3'", false], ["'3' <> '4'", true],
  ['true <> true', false], ['true <> false', true], ['false <> false', false], ['false <> true', true],
  ['key2 <> "3"', false], ["key2 <> '3'", false], ['as_number(key2) <> 3', false], ['as_number(key2) <> 4', true],
  ['none <> "4"', undefined], ['as_number(none) <> 3', undefined],
  ['null = null', true], ['null <> null', false], ['null <= null', true], ['null < null', false],
  ['undefined = undefined', undefined], ['undefined < undefined', undefined],
];

const logic: Row[] = [
  ['not true', false], ['not false', true], ['not (true and false)', true],
  ['true AND true', true], ['true AND not true', false], ['true and true', true], ['true and false', false],
  ['false and true', false], ['false and false', false],
  ['true OR true', true], ['true or true', true], ['true or false', true], ['false or true', true], ['false or false', false],
  ['undefined or false', undefined], ['undefined or true', true], ['true or undefined', true], ['false or undefined', undefined],
  ['undefined or undefined', undefined], ['true and undefined', undefined], ['false and undefined', false],
  ['undefined and false', false], ['undefined and undefined', undefined], ['not (none = \'x\')', undefined],
  ["true or none = 'true'", true], ["false or none = 'true'", undefined], ["none = 'true' or true", true],
  ["none = 'true' or false", undefined], ["none = 'true' or none2 = 'true'", undefined], ["true and none = 'true'", undefined],
  ["false and none = 'true'", false], ["none = 'true' and true", undefined], ["none = 'true' and false", false],
  ["none = 'true' and none2 = 'true'", undefined], ["not (none = 'true')", undefined],
  ['null and null', false], ['(null and null) = null', true], ['(null and false) = null', true], ['(null and true) = null', true],
  ['null or true', true], ['null or false', false], ['(null or null) = null', true], ['not (null and true)', true],
];

const coalesce: Row[] = [
  ['undefined ?? undefined', undefined],
  ['(key1 ?? "hello") = "value1"', true],
  ['(none ?? "hello") = "hello"', true],
  ['(none ?? none ?? "hello") = "hello"', true],
  ['(as_number(key2) ?? 12.34) = 3', true],
  ['(as_number(key1) ?? 12.34) = 12.34', true],
  ['(3 % 0 ?? 12.34) = 12.34', true],
  ['(none ?? none) = "value"', undefined],
  ['(null ?? null) = null', true],
  ["(none ?? 'a') = 'a'", true],
  ['(true ?? false) = true', true],
];

const arithmetic: Row[] = [
  ['3 + 4 = 7', true], ['(3 + as_number(key2)) = 6', true], ['is_defined(3 + as_number(none))', false], ['is_defined(3 + as_number(key1))', false],
  ['3 - 4 = -1', true], ['(3 - as_number(key2)) = 0', true], ['is_defined(3 - as_number(none))', false],
  ['3 * 4 = 12', true], ['(3 * as_number(key2)) = 9', true], ['is_defined(3 * as_number(none))', false],
  ['3 / 4 = 0.75', true], ['(3 / as_number(key2)) = 1', true], ['is_defined(3 / as_number(none))', false],
  ['4 % 3 = 1', true], ['(3 % as_number(key2)) = 0', true], ['is_defined(3 % 0)', false], ['-7 % 3 = -1', true],
  ['3 / 0 > 1e308', true], ['is_defined(0 / 0)', false], ['0 - 3 / 0 < -1e308', true],
  ['-1 < 0', true], ['-(3 + 4) = -7', true], ['- 3 = -3', true], ['is_defined(-undefined)', false],
  ['4 < 7', true], ['7 < 7', false], ['8 < 7', false], ['3 + 4 < 7', false], ['3 < as_number(none)', undefined],
  ["'a' < 'b'", true], ["'a' < 'a'", false], ["'b' < 'a'", false], ["'a' < none", undefined],
  ['4 <= 7', true], ['7 <= 7', true], ['8 <= 7', false], ['3 + 4 <= 7', true], ['3 <= as_number(none)', undefined],
  ["'a' <= 'b'", true], ["'a' <= 'a'", true], ["'b' <= 'a'", false], ["'a' <= none", undefined],
  ['4 > 7', false], ['7 > 7', false], ['8 > 7', true], ['3 + 4 > 7', false], ['3 > as_number(none)', undefined],
  ["'a' > 'b'", false], ["'a' > 'a'", false], ["'b' > 'a'", true], ["'a' > none", undefined],
  ['4 >= 7', false], ['7 >= 7', true], ['8 >= 7', true], ['3 + 4 >= 7', true], ['3 >= as_number(none)', undefined],
  ["'a' >= 'b'", false], ["'a' >= 'a'", true], ["'b' >= 'a'", true],
  ["'B' < 'a'", true], ["'é' > 'z'", true], ['true > false', true], ['false < true', true],
  ["'a' || 'b' || 'c' || 'd' = 'abcd'", true], ["'a' || key1 || 'd' = 'avalue1d'", true], ["is_defined('a' || none || 'd')", false],
];

const properties: Row[] = [
  ['key1 = "value1"', true], ['KEY1 = "value1"', true], ['key1 = "value1" and key1 = "value1"', true],
  ['key1 = "value2" or key1 = "value1"', true], ['key1 = "value2"', false], ['key2 = "value1"', false],
  ['none = "value1"', undefined], ['$sys4 = "value4"', true], ['{$sys4} = "sysvalue4"', true],
  ['$sys1 = "sysvalue1"', true], ['{$sys1} = "sysvalue1"', true], ['{ $sys1 } = "sysvalue1"', true],
  ['$SYS1 = "sysvalue1"', true], ['{$Sys3} = "SYSVALUE3"', true], ['key1 = "VALUE1"', false],
];

// Precedence top→bottom (reference §3.1): unary -, NOT; * / %; + - ||; < <= > >=; = != <>; AND; OR; ??.
const precedence: Row[] = [
  ['2 + 3 * 4 = 14', true],
  ['(2 + 3) * 4 = 20', true],
  ['10 - 4 - 3 = 3', true],
  ['16 / 4 / 2 = 2', true],
  ['- 2 * 3 = -6', true],
  ['1 + 1 < 3', true],
  ['1 < 2 = true', true],
  ['1 < 2 = 2 > 1', true],
  ['true = false AND false', false],
  ['true OR true AND false', true],
  ['(true OR true) AND false', false],
  ['not false and false', false],
  ['not (false and false)', true],
  ['false AND false OR true', true],
  ['false ?? true OR true', false],
  ['(false ?? true) OR true', true],
  ['(as_number(none) ?? 1 + 2) = 3', true],
  ["'a' || 'b' = 'ab'", true],
  ['NOT true = false', true],
];

describe('condition evaluation (three-valued logic, reference §3.3)', () => {
  describe.each([
    ['literals', literals],
    ['equality', equality],
    ['AND, OR, NOT', logic],
    ['??', coalesce],
    ['arithmetic, comparison and ||', arithmetic],
    ['properties', properties],
    ['precedence', precedence],
  ] as const)('%s', (_group, rows) => {
    it.each(rows)('%s → %s', (condition, expected) => {
      expect(evaluate(condition, msg)).toBe(expected);
    });
  });

  it('treats a route without WHERE as always true', async () => {
    const { compileRoute, createRouteEvaluationContext } = await import('@verge/core');
    const route = compileRoute('r', 'FROM /* INTO $upstream');
    expect(route.condition.text).toBeUndefined();
    expect(route.condition.evaluate(createRouteEvaluationContext(msg))).toBe(true);
  });
});

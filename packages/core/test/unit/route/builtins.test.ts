import { describe, expect, it } from 'vitest';
import { evaluate, jsonMessage, message } from './helpers.js';

// Every built-in of reference §3.3 (names are case-insensitive), with the values of edgeHub's tests.
const msg = message({ properties: { key1: 'value1', key2: '3', key3: 'VALUE3' } });

const rows: Record<string, readonly (readonly [string, boolean | undefined])[]> = {
  abs: [['abs(-12) = 12', true], ['abs(12) = 12', true], ['ABS(as_number(key2)) = 3', true], ['is_defined(abs(as_number(key1)))', false],
    ['is_defined(abs(3 / 0))', true], ['is_defined(abs(3 % 0))', false]],
  exp: [['exp(0) = 1', true], ['abs(exp(1) - 2.718281) < 1e-6', true], ['abs(EXP(as_number(key2)) - 20.085536) < 1e-6', true],
    ['exp(4000) = 3/0', true], ['is_defined(exp(as_number(key1)))', false], ['is_defined(exp(3 / 0))', true], ['is_defined(exp(3 % 0))', false]],
  power: [['power(2, 3) = 8', true], ['POWER(3, 2) = 9', true], ['POWER(10, 4000) = 3/0', true], ['power(as_number(key2), as_number(key2)) = 27', true],
    ['is_defined(power(as_number(key1), as_number(key1)))', false], ['is_defined(power(3 / 0, 2))', true], ['is_defined(power(2, 3 % 0))', false],
    ['power(1, 3 / 0) = 1', true], ['power(-1, 3 / 0) = 1', true], ['is_defined(power(-8, 1 / 3))', false]],
  square: [['square(2) = 4', true], ['SQUARE(3) = 9', true], ['square(as_number(key2)) = 9', true], ['is_defined(square(as_number(key1)))', false],
    ['is_defined(square(3 / 0))', true], ['is_defined(square(3 % 0))', false]],
  ceiling: [['ceiling(2) = 2', true], ['ceiling(2.1) = 3', true], ['ceiling(-2.1) = -2', true], ['CEILING(-2) = -2', true],
    ['ceiling(as_number(key2)) = 3', true], ['is_defined(ceiling(3 / 0))', true], ['is_defined(ceiling(3 % 0))', false]],
  floor: [['floor(2) = 2', true], ['floor(2.1) = 2', true], ['floor(-2.1) = -3', true], ['FLOOR(-2) = -2', true],
    ['floor(as_number(key2)) = 3', true], ['is_defined(floor(as_number(key1)))', false], ['is_defined(floor(3 / 0))', true]],
  sign: [['sign(0) = 0', true], ['sign(2) = 1', true], ['sign(2.1) = 1', true], ['sign(-2.1) = -1', true], ['SIGN(-2) = -1', true],
    ['sign(as_number(key2)) = 1', true], ['is_defined(sign(as_number(key1)))', false], ['sign(3 / 0) = 1', true], ['sign(-3 / 0) = -1', true],
    ['is_defined(sign(3 % 0))', false]],
  sqrt: [['sqrt(4) = 2', true], ['SQRT(-4) = -2', undefined], ['abs(sqrt(as_number(key2)) - 1.732050) < 1e-6', true],
    ['is_defined(sqrt(as_number(key1)))', false], ['is_defined(sqrt(3 / 0))', true], ['is_defined(sqrt(3 % 0))', false]],
  as_number: [['as_number("3") = 3', true], ['AS_NUMBER("3") = 3', true], ["AS_NUMBER('10e10') = 10e10", true],
    ["AS_NUMBER('10e1000') = 10e1000", true], ["AS_NUMBER('10e1000') = 1/0", true], ["AS_NUMBER('10000000000000000000000000') = 1e25", true],
    ['as_number(key2) = 3', true], ['as_number(key1) = 3', undefined], ['as_number(key3) = 3', undefined], ['as_number(key2) * 3 = 9', true],
    ['as_number(none) * 3 = 9', undefined], ['as_number(as_number(4)) * 3 = 12', true], ["as_number(' -1,234.5e1 ') = -12345", true],
    ["as_number('(5)') = -5", true], ["as_number('5-') = -5", true], ["as_number('+.5') = 0.5", true], ["as_number('1.') = 1", true],
    ["as_number('-Infinity') < 0", true], ["is_defined(as_number('NaN'))", false], ["is_defined(as_number(''))", false],
    ["is_defined(as_number('0x10'))", false], ["is_defined(as_number('1 2'))", false], ["is_defined(as_number('-5-'))", false]],
  is_bool: [['is_bool(12.34)', false], ["is_bool('not a number')", false], ['is_bool(true)', true], ['IS_BOOL(true)', true], ['is_bool(false)', true],
    ['is_bool(none)', false], ['is_bool(key1)', false], ['is_bool(null)', false], ['is_bool(undefined)', false], ["is_bool(none = 'x')", undefined]],
  is_defined: [['is_defined(undefined)', false], ['IS_DEFINED(undefined)', false], ['is_defined(key1)', true], ['is_defined(key4)', false],
    ['is_defined(3 * as_number(key4))', false], ['is_defined(undefined and true)', false], ['is_defined(as_number("3"))', true],
    ['is_defined(as_number("apple"))', false], ['is_defined(null)', true], ['is_defined(10e1000)', true], ['is_defined(true)', true]],
  is_null: [['is_null(12.34)', false], ["is_null('not a number')", false], ['is_null(true)', false], ['is_null(3 / 0)', false],
    ['is_null(as_number(key2))', false], ['is_null(as_number(key1))', false], ['is_null(null)', true], ['IS_NULL(null)', true],
    ['is_null(none)', false], ['is_null(key1)', false], ['is_null(undefined)', false]],
  is_number: [['is_number(12.34)', true], ['IS_NUMBER(12.34)', true], ["is_number('not a number')", false], ['is_number(true)', false],
    ['is_number(3 / 0)', false], ['is_number(as_number(key2))', true], ['is_number(as_number(key1))', false], ['is_number(null)', false]],
  is_string: [['is_string(12.34)', false], ["is_string('not a number')", true], ["IS_STRING('not a number')", true], ['is_string(true)', false],
    ['is_string(none)', false], ['is_string(key1)', true], ["is_string('a' || 'b')", true], ['is_string(null)', false]],
  concat: [["concat('a', 'b', 'c', 'd') = 'abcd'", true], ["CONCAT('a', 'b', 'c', 'd') = 'abcd'", true], ["concat('a', 'b') = concat('a', 'b')", true],
    ["concat('a', key1, 'd') = 'avalue1d'", true], ["is_defined(concat('a', none, 'd'))", false]],
  length: [["length('HELLO') = 5", true], ["LENGTH('') = 0", true], ['length(key3) = 6', true], ['is_defined(length(none))', false],
    ["length('😀') = 2", true]],
  lower: [["lower('HELLO') = 'hello'", true], ["LOWER('hello') = 'hello'", true], ["lower(key3) = 'value3'", true], ['is_defined(lower(none))', false],
    ["lower('ÀÉ') = 'àé'", true]],
  upper: [["upper('HELLO') = 'HELLO'", true], ["UPPER('hello') = 'HELLO'", true], ["upper(key1) = 'VALUE1'", true], ['is_defined(upper(none))', false],
    ["upper('straße') = 'STRAßE'", true]],
  substring: [["substring('abc', 1) = 'bc'", true], ["substring('abc', 2) = 'c'", true], ["SUBSTRING('abc', 3) = 'c'", false],
    ["SUBSTRING('abc', 4) = 'c'", undefined], ["substring(key1, 1) = 'alue1'", true], ["substring('abc', -1) = ''", undefined],
    ["substring('abc', 1 % 0) = ''", undefined], ["substring(none, 1) = 'a'", undefined], ["substring('abc', 1, 1) = 'b'", true],
    ["substring('abc', 1, 0) = ''", true], ["SUBSTRING(key1, 1, 1) = 'a'", true], ["substring('abc', -1, 0) = ''", undefined],
    ["substring('abc', 1, -2) = ''", undefined], ["substring('abc', 1 % 0, 1) = ''", undefined], ["substring('abc', 1, 1 % 0) = ''", undefined],
    ["substring(none, 1, 1) = 'a'", undefined], ["substring('hello', 0, 5) = 'hello'", true], ["substring('start', 0, 4) = 'star'", true],
    ["substring('hello', 1, 4) = 'ello'", true], ["substring('hello', 4, 1) = 'o'", true], ["substring('hello', 4, 0) = ''", true],
    ["substring('hello', 5, 0) = ''", undefined], ["substring('hello', 1.9, 2.9) = 'el'", true]],
  index_of: [["index_of('abcdef', 'cd') = 2", true], ["index_of('abc', 'xz') = -1", true], ["INDEX_OF(key1, 'val') = 0", true],
    ["index_of('lue1value1', key1) = 4", true], ["index_of('abc', key1) = -1", true], ["index_of(none, '1') = 0", undefined], ["index_of('abc', '') = 0", true]],
  starts_with: [["starts_with('abc', 'ab')", true], ["starts_with('abc', 'xz')", false], ["STARTS_WITH(key1, 'val')", true],
    ["starts_with('value1value1', key1)", true], ["starts_with('abc', key1)", false], ["starts_with(none, '1')", undefined], ["starts_with('abc', 'AB')", false]],
  ends_with: [["ends_with('abc', 'bc')", true], ["ends_with('abc', 'xz')", false], ["ENDS_WITH(key1, 'e1')", true],
    ["ends_with('value1value1', key1)", true], ["ends_with('abc', key1)", false], ["ends_with(none, '1')", undefined]],
  contains: [["contains('abc', 'ab')", true], ["contains('abc', 'xz')", false], ["CONTAINS(key1, 'val')", true],
    ["contains('value1value1', key1)", true], ["contains('abc', key1)", false], ["contains(none, '1')", undefined], ["contains('abc', 'B')", false]],
};

describe('built-in functions', () => {
  describe.each(Object.entries(rows))('%s', (_name, cases) => {
    it.each(cases)('%s → %s', (condition, expected) => {
      expect(evaluate(condition, msg)).toBe(expected);
    });
  });

  it('does not throw for any substring bounds (edgeHub TestSubstringLimits)', () => {
    for (let i = -10; i <= 10; i++) {
      expect(() => evaluate(`substring('hello', ${i}) = 'he'`, msg)).not.toThrow();
      for (let j = -10; j <= 10; j++) expect(() => evaluate(`substring('hello', ${i}, ${j}) = 'he'`, msg)).not.toThrow();
    }
  });

  describe('with $body values (types checked per message)', () => {
    const body = jsonMessage({ s: 'Hello', n: -2.5, b: true, z: null, o: { x: 1 }, a: [1, 2] });
    it.each([
      ['abs($body.n) = 2.5', true], ['is_defined(abs($body.s))', false], ['floor($body.n) = -3', true], ['power($body.n, 2) = 6.25', true],
      ['as_number($body.n) = -2.5', true], ["as_number($body.s) = 1", undefined], ['is_bool($body.b)', true], ['is_bool($body.s)', false],
      ['is_bool($body.z)', false], ['is_bool($body.o)', undefined], ['is_defined($body.o)', false], ['is_defined($body.missing)', true],
      ['is_null($body.z)', true], ['is_null($body.missing)', true], ['is_null($body.s)', false], ['is_null($body.o)', undefined],
      ['is_number($body.n)', true], ['is_number($body.s)', false], ['is_string($body.s)', true], ['is_string($body.n)', false],
      ["concat($body.s, '!') = 'Hello!'", true], ["is_defined(concat($body.n, '!'))", false], ['length($body.s) = 5', true],
      ["lower($body.s) = 'hello'", true], ["upper($body.s) = 'HELLO'", true], ["substring($body.s, 1, 3) = 'ell'", true],
      ["index_of($body.s, 'l') = 2", true], ["starts_with($body.s, 'He')", true], ["ends_with($body.s, 'lo')", true],
      ["contains($body.s, 'ell')", true], ["is_defined(contains($body.n, 'x'))", false], ['sign($body.a[1]) = 1', true],
    ])('%s → %s', (condition, expected) => {
      expect(evaluate(condition, body)).toBe(expected);
    });
  });
});

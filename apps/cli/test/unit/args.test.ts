import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { checkHostFlag, parseIntegerFlag, parseJson, parseJsonObject, parseKeyValues, tagsFromKeyValues } from '../../src/cli/args.js';

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isVergeError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a VergeError');
}

describe('parseKeyValues', () => {
  it.each([
    [[], {}],
    [['a=1'], { a: '1' }],
    [['a=1', 'b='], { a: '1', b: '' }],
    [['url=http://x/?q=1&r=2'], { url: 'http://x/?q=1&r=2' }],
    [['spaced key= v '], { 'spaced key': ' v ' }],
  ])('%j → %j', (values, expected) => expect({ ...parseKeyValues('--property', values) }).toEqual(expected));

  it('keeps keys such as __proto__ as plain keys', () => {
    const pairs = parseKeyValues('--property', ['__proto__=x', 'constructor=y']);
    expect(Object.entries(pairs)).toEqual([['__proto__', 'x'], ['constructor', 'y']]);
    expect(JSON.stringify(tagsFromKeyValues('--tags', { '__proto__.a': '1' }))).toBe('{"__proto__":{"a":"1"}}');
  });

  it.each([
    [['novalue'], '--property value #1 "novalue" is not of the form key=value'],
    [['a=1', '=x'], '--property value #2 "=x" is not of the form key=value (empty key)'],
    [['a=1', 'a=2'], '--property key "a" is given twice'],
  ])('%j is refused', (values, message) => {
    expect(failure(() => parseKeyValues('--property', values))).toEqual({ code: 'CLI_ARGUMENT_INVALID', message });
  });
});

describe('tagsFromKeyValues', () => {
  it('keeps values as strings and nests dotted keys', () => {
    expect(JSON.parse(JSON.stringify(tagsFromKeyValues('--tags', { site: 'oslo', floor: '03', 'location.city': 'Oslo', 'location.zip': '0150' })))).toEqual({
      site: 'oslo',
      floor: '03',
      location: { city: 'Oslo', zip: '0150' },
    });
  });

  it.each([
    [{ 'a..b': 'x' }, '--tags key "a..b" has an empty path segment'],
    [{ a: 'x', 'a.b': 'y' }, '--tags key "a.b" conflicts with "a"'],
    [{ 'a.b': 'y', a: 'x' }, '--tags key "a" is given twice or conflicts with another key'],
  ])('%j is refused', (pairs, message) => {
    expect(failure(() => tagsFromKeyValues('--tags', pairs)).message).toBe(message);
  });
});

describe('JSON flags', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['[1]', [1]],
    ['"text"', 'text'],
    ['null', null],
  ])('parseJson(%s)', (text, value) => expect(parseJson('--payload', text)).toEqual(value));

  it('names the flag and the JSON error', () => {
    const { code, message } = failure(() => parseJson('--payload', '{bad'));
    expect(code).toBe('CLI_ARGUMENT_INVALID');
    expect(message).toMatch(/^--payload is not valid JSON: .*position 1/);
  });

  it.each([
    ['[1]', '--desired must be a JSON object, got an array'],
    ['null', '--desired must be a JSON object, got null'],
    ['3', '--desired must be a JSON object, got a number'],
  ])('parseJsonObject(%s) is refused', (text, message) => {
    expect(failure(() => parseJsonObject('--desired', text)).message).toBe(message);
  });
});

describe('parseIntegerFlag', () => {
  it.each([
    ['5', 5],
    [' 300 ', 300],
  ])('%j', (text, value) => expect(parseIntegerFlag('--timeout', text, 5, 300)).toBe(value));

  it.each([
    ['4', '--timeout 4 is outside 5..300'],
    ['301', '--timeout 301 is outside 5..300'],
    ['1.5', '--timeout "1.5" is not a whole number'],
    ['-1', '--timeout "-1" is not a whole number'],
    ['', '--timeout "" is not a whole number'],
    ['ten', '--timeout "ten" is not a whole number'],
  ])('%j is refused', (text, message) => {
    expect(failure(() => parseIntegerFlag('--timeout', text, 5, 300)).message).toBe(message);
  });
});

describe('checkHostFlag', () => {
  it.each(['edge.local', 'edge.local:8883', '127.0.0.1', '[::1]:8883'])('accepts %s', (host) => expect(checkHostFlag('--gateway', host)).toBe(host));
  it('refuses a malformed host', () => {
    expect(failure(() => checkHostFlag('--gateway', 'a:b:c')).message).toMatch(/^--gateway "a:b:c" is not host\[:port\]: /);
  });
});

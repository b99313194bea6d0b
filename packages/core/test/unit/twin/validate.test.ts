import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { assertTwinPatch, assertTwinSection, checkTwinSection, TWIN_LIMITS, twinSectionSize } from '@verge/core';

// Sections of an exact IoT Hub size: 2-byte keys k0…, values filling the rest (each string ≤ 4096 bytes).
function sectionOfSize(bytes: number): Record<string, string> {
  const out: Record<string, string> = {};
  let left = bytes;
  for (let i = 0; left > 0; i++) {
    const key = `k${i}`;
    const value = Math.min(TWIN_LIMITS.maxStringBytes, left - key.length);
    out[key] = 'v'.repeat(value);
    left -= key.length + value;
  }
  return out;
}

function nested(depth: number, leaf: unknown = 1): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf };
  for (let level = depth; level >= 1; level--) value = { [`l${level}`]: value };
  return value;
}

function messages(kind: 'desired' | 'reported' | 'tags', value: unknown, patch = false): string[] {
  return checkTwinSection(kind, value, { patch }).map((i) => `${i.code} ${i.message}`);
}

describe('twin section size (IoT Hub "Device twin size")', () => {
  it.each([
    [{ a: 1 }, 9],
    [{ a: 1.5 }, 9],
    [{ a: true }, 5],
    [{ ab: 'xyz' }, 5],
    [{ a: { b: 'c' } }, 3],
    [{ a: [1, 'xy', true, null, { b: 'c' }] }, 17],
    [{ a: 'x\u0001y\u0085' }, 3],
    [{ é: '€' }, 5],
    [{ a: '😀' }, 5],
    [{ $version: 7, $metadata: { $lastUpdated: '2024' }, a: 1 }, 9],
    [{ a: { $version: 1 } }, 17],
  ])('%j counts %i bytes', (section, bytes) => {
    expect(twinSectionSize(section)).toBe(bytes);
  });

  it('builds test sections of the intended size', () => {
    expect(twinSectionSize(sectionOfSize(32_768))).toBe(32_768);
  });

  it.each([
    ['desired', 32_768],
    ['reported', 32_768],
    ['tags', 8_192],
  ] as const)('%s: exactly %i bytes is accepted, one more byte is rejected', (kind, limit) => {
    expect(checkTwinSection(kind, sectionOfSize(limit))).toEqual([]);
    const path = kind === 'tags' ? 'tags' : `properties.${kind}`;
    expect(messages(kind, sectionOfSize(limit + 1))).toEqual([`TWIN_TOO_LARGE ${path}: size ${limit + 1} bytes exceeds the limit of ${limit} bytes`]);
  });

  it('does not size patches (the merged section is sized)', () => {
    expect(checkTwinSection('desired', sectionOfSize(40_000), { patch: true })).toEqual([]);
  });
});

describe('twin depth (at most 10 levels)', () => {
  it('accepts the IoT Hub example: objects one…ten under the section', () => {
    expect(checkTwinSection('tags', nested(10))).toEqual([]);
  });

  it('rejects an 11th level and names its path', () => {
    expect(messages('desired', nested(11))).toEqual(['TWIN_TOO_DEEP properties.desired.l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11: depth 11 exceeds the limit of 10']);
  });

  it('counts arrays as levels', () => {
    expect(checkTwinSection('reported', nested(9, [1]))).toEqual([]);
    expect(messages('reported', nested(10, [1]))).toEqual(['TWIN_TOO_DEEP properties.reported.l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.leaf: depth 11 exceeds the limit of 10']);
    expect(messages('reported', { a: [[[[[[[[[[[1]]]]]]]]]]] })).toEqual(['TWIN_TOO_DEEP properties.reported.a[0][0][0][0][0][0][0][0][0][0]: depth 11 exceeds the limit of 10']);
  });

  it('survives any nesting depth without recursing into it', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(checkTwinSection('desired', deep).map((i) => i.code)).toEqual(['TWIN_TOO_DEEP', 'TWIN_TOO_LARGE']);
  });
});

describe('twin keys', () => {
  it.each([
    ['', 'must not be empty'],
    ['a.b', 'must not contain "."'],
    ['a$b', 'must not contain "$"'],
    ['$version', null],
    ['a b', 'must not contain spaces'],
    ['a\u0007', 'must not contain control characters (U+0000–U+001F, U+0080–U+009F)'],
    ['a\u0085', 'must not contain control characters (U+0000–U+001F, U+0080–U+009F)'],
    ['k'.repeat(1024), null],
    ['é'.repeat(512), null],
    ['k'.repeat(1025), 'is 1025 bytes long, over the limit of 1024 bytes'],
    ['a#b+c/d:e', null],
  ])('nested key %j', (key, problem) => {
    const section = { parent: { [key]: 1 } };
    const quoted = key.length > 64 ? `${JSON.stringify(key.slice(0, 64))}…` : JSON.stringify(key);
    expect(messages('desired', section)).toEqual(problem === null && key !== '$version' ? [] : [`TWIN_KEY_INVALID properties.desired.parent: key ${quoted} ${problem ?? 'must not contain "$"'}`]);
  });

  it('allows $version and $metadata only at the root', () => {
    expect(checkTwinSection('reported', { $version: 3, $metadata: {}, a: 1 })).toEqual([]);
    expect(checkTwinSection('reported', { a: { $metadata: {} } })).toEqual([
      { code: 'TWIN_KEY_INVALID', path: 'properties.reported.a', key: '$metadata', message: 'properties.reported.a: key "$metadata" must not contain "$"' },
    ]);
  });
});

describe('twin values', () => {
  it.each([
    ['s'.repeat(4096), null],
    ['€'.repeat(1365), null],
    ['s'.repeat(4097), 'string of 4097 bytes exceeds the limit of 4096 bytes'],
    ['€'.repeat(1366), 'string of 4098 bytes exceeds the limit of 4096 bytes'],
    [4_503_599_627_370_495, null],
    [-4_503_599_627_370_496, null],
    [4_503_599_627_370_496, 'integer 4503599627370496 is outside the range -4503599627370496 to 4503599627370495'],
    [-4_503_599_627_370_497, 'integer -4503599627370497 is outside the range -4503599627370496 to 4503599627370495'],
    [1.5e-300, null],
    [Number.NaN, 'NaN is not a JSON number'],
    [Number.POSITIVE_INFINITY, 'Infinity is not a JSON number'],
    [undefined, 'undefined is not a JSON value'],
    [() => 1, 'function is not a JSON value'],
    [10n, 'bigint is not a JSON value'],
    [new Date(0), 'Date object is not a JSON value'],
    [new Map(), 'Map object is not a JSON value'],
  ])('value #%#', (value, problem) => {
    expect(messages('tags', { v: value })).toEqual(problem === null ? [] : [`TWIN_VALUE_INVALID tags.v: ${problem}`]);
  });

  it('allows null members and null array elements', () => {
    expect(checkTwinSection('desired', { a: null, b: [null] })).toEqual([]);
  });

  it.each([[null], [[]], ['x'], [new Date(0)]])('rejects %j as a section', (value) => {
    expect(messages('desired', value, true)).toEqual(['TWIN_PATCH_INVALID properties.desired: must be a JSON object']);
  });

  it('stops after 100 issues', () => {
    const section = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`a.${i}`, 1]));
    expect(checkTwinSection('desired', section)).toHaveLength(100);
  });
});

describe('assertTwinSection / assertTwinPatch', () => {
  it('throw a VergeError with the first issue, the count and every issue in details', () => {
    let thrown: unknown;
    try {
      assertTwinPatch('desired', { 'a.b': 1, c: { 'd e': 2 } });
    } catch (e) {
      thrown = e;
    }
    expect(isVergeError(thrown, 'TWIN_KEY_INVALID')).toBe(true);
    expect((thrown as Error).message).toBe('properties.desired: key "a.b" must not contain "." (and 1 more)');
    expect((thrown as { details: { issues: unknown[] } }).details.issues).toHaveLength(2);
  });

  it('use the status of the code', () => {
    try {
      assertTwinSection('tags', sectionOfSize(9000));
      expect.unreachable();
    } catch (e) {
      expect(isVergeError(e, 'TWIN_TOO_LARGE') && e.status).toBe(413);
    }
  });

  it('pass valid input', () => {
    expect(() => assertTwinSection('reported', { a: { b: [1, 'x', true] } })).not.toThrow();
    expect(() => assertTwinPatch('reported', { a: null })).not.toThrow();
  });
});

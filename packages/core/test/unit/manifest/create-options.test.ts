import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { chunkCreateOptions, createOptionsKey, joinCreateOptions, parseCreateOptionsText } from '@verge/core';

describe('chunkCreateOptions (writer, reference §1.3)', () => {
  it('keeps short JSON in createOptions', () => {
    expect(chunkCreateOptions('{}')).toEqual({ createOptions: '{}' });
    expect(chunkCreateOptions('')).toEqual({ createOptions: '' });
  });

  it('cuts 512-character pieces named createOptions, createOptions01, …', () => {
    const json = 'x'.repeat(512 * 2 + 1);
    const pieces = chunkCreateOptions(json);
    expect(Object.keys(pieces)).toEqual(['createOptions', 'createOptions01', 'createOptions02']);
    expect(Object.values(pieces).map((p) => p.length)).toEqual([512, 512, 1]);
  });

  it('fills exactly 100 pieces and no more', () => {
    const pieces = chunkCreateOptions('y'.repeat(512 * 100));
    expect(Object.keys(pieces)).toHaveLength(100);
    expect(Object.keys(pieces).at(-1)).toBe('createOptions99');
    let thrown: unknown;
    try {
      chunkCreateOptions('y'.repeat(512 * 100 + 1));
    } catch (e) {
      thrown = e;
    }
    expect(isVergeError(thrown, 'MANIFEST_CREATE_OPTIONS_TOO_LONG')).toBe(true);
    expect((thrown as Error).message).toBe('createOptions is 51201 characters long; a twin holds at most 100 pieces of 512 characters');
  });

  it('never splits a surrogate pair', () => {
    const json = `${'a'.repeat(511)}😀b`;
    const pieces = chunkCreateOptions(json);
    expect(pieces).toEqual({ createOptions: 'a'.repeat(511), createOptions01: '😀b' });
  });

  it('names piece k createOptionsNN with two digits', () => {
    expect([0, 1, 9, 10, 99].map(createOptionsKey)).toEqual(['createOptions', 'createOptions01', 'createOptions09', 'createOptions10', 'createOptions99']);
  });
});

describe('joinCreateOptions (reader, reference §1.3)', () => {
  it.each([
    ['no pieces', { image: 'x' }, { ok: true, json: undefined }],
    ['one piece', { createOptions: '{}' }, { ok: true, json: '{}' }],
    ['pieces in order', { createOptions: 'a', createOptions01: 'b', createOptions02: 'c' }, { ok: true, json: 'abc' }],
    ['pieces out of key order', { createOptions02: 'c', createOptions: 'a', createOptions01: 'b' }, { ok: true, json: 'abc' }],
    ['keys in any case', { CreateOptions01: 'b', CREATEOPTIONS: 'a' }, { ok: true, json: 'ab' }],
    ['a one-digit suffix equal to the position', { createOptions: 'a', createOptions1: 'b' }, { ok: true, json: 'ab' }],
    ['a three-digit suffix equal to the position', { createOptions: 'a', createOptions001: 'b' }, { ok: true, json: 'ab' }],
    ['non-matching keys ignored', { createOptions: 'a', createOptionsX: 'z', createOptions01b: 'z' }, { ok: true, json: 'a' }],
  ])('%s', (_name, settings, result) => {
    expect(joinCreateOptions(settings)).toEqual(result);
  });

  it.each([
    ['first piece has a suffix', { createOptions01: 'b' }, 'createOptions01', 'chunking', 'piece found without a "createOptions" piece before it'],
    ['a gap', { createOptions: 'a', createOptions02: 'c' }, 'createOptions02', 'chunking', 'is out of sequence: piece 1 must be named "createOptions01"'],
    ['two unsuffixed pieces', { createOptions: 'a', CreateOptions: 'b' }, 'CreateOptions', 'chunking', 'is out of sequence: piece 1 must be named "createOptions01"'],
    ['one-digit suffix sorting before 02', { createOptions: 'a', createOptions1: 'b', createOptions02: 'c' }, 'createOptions02', 'chunking', 'is out of sequence: piece 1 must be named "createOptions01"'],
    ['a piece that is not a string', { createOptions: 'a', createOptions01: 7 }, 'createOptions01', 'type', 'must be a string'],
    ['createOptions that is not a string', { createOptions: {} }, 'createOptions', 'type', 'must be a string'],
  ])('rejects %s', (_name, settings, key, rule, message) => {
    expect(joinCreateOptions(settings)).toEqual({ ok: false, key, rule, message });
  });

  it('rejects more than 100 pieces', () => {
    const settings = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [createOptionsKey(i), 'x']));
    expect(joinCreateOptions(settings)).toEqual({ ok: false, key: undefined, rule: 'chunking', message: '101 createOptions pieces exceed the limit of 100' });
  });

  it('round-trips any string through chunkCreateOptions (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 6000 }), (json) => {
        expect(joinCreateOptions(chunkCreateOptions(json))).toEqual({ ok: true, json });
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips real createOptions JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const json = JSON.stringify({ HostConfig: value });
        const pieces = chunkCreateOptions(json);
        expect(Object.values(pieces).every((p) => p.length <= 512)).toBe(true);
        expect(joinCreateOptions(pieces)).toEqual({ ok: true, json });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseCreateOptionsText', () => {
  it.each([
    ['', {}],
    ['   ', {}],
    ['null', {}],
    [' null ', {}],
    ['{"a":1}', { a: 1 }],
  ])('%j → %j', (text, value) => {
    expect(parseCreateOptionsText(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['{', 'is not valid JSON'],
    ['[1]', 'must be a JSON object, not an array'],
    ['"x"', 'must be a JSON object, not string'],
    ['true', 'must be a JSON object, not boolean'],
    [`${'{"a":'.repeat(70)}1${'}'.repeat(70)}`, 'nests deeper than 64 levels'],
  ])('%j is rejected', (text, message) => {
    expect(parseCreateOptionsText(text)).toEqual({ ok: false, message });
  });
});

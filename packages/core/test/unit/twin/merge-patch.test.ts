import { describe, expect, it } from 'vitest';
import { applyMergePatch, type JsonValue } from '@verge/core';

// RFC 7386 Appendix A, every row.
const rfcExamples: [JsonValue, JsonValue, JsonValue][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('applyMergePatch (RFC 7386)', () => {
  it.each(rfcExamples)('%j + %j = %j', (original, patch, result) => {
    expect(applyMergePatch(original, patch)).toEqual(result);
  });

  it('applies the RFC 7386 §3 example', () => {
    const target = { title: 'Goodbye!', author: { givenName: 'John', familyName: 'Doe' }, tags: ['example', 'sample'], content: 'This will be unchanged' };
    const patch = { title: 'Hello!', phoneNumber: '+01-123-456-7890', author: { familyName: null }, tags: ['example'] };
    expect(applyMergePatch(target, patch)).toEqual({
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });

  it('treats an absent target as {} for an object patch and keeps nulls inside arrays', () => {
    expect(applyMergePatch(undefined, { a: { b: null, c: 1 } })).toEqual({ a: { c: 1 } });
    expect(applyMergePatch({}, { a: [null, { b: null }] })).toEqual({ a: [null, { b: null }] });
  });

  it('mutates neither argument and copies what it takes from the patch', () => {
    const target = Object.freeze({ a: Object.freeze({ b: 1 }), keep: Object.freeze([1]) });
    const patch = { a: { c: [1, 2] } };
    const result = applyMergePatch(target, patch) as { a: { c: number[] }; keep: number[] };
    expect(result).toEqual({ a: { b: 1, c: [1, 2] }, keep: [1] });
    patch.a.c.push(3);
    expect(result.a.c).toEqual([1, 2]);
    expect(target).toEqual({ a: { b: 1 }, keep: [1] });
  });

  it('keeps keys named __proto__ and never reads inherited properties', () => {
    const patch = JSON.parse('{"__proto__":{"x":1},"constructor":{"y":2}}') as JsonValue;
    const result = applyMergePatch({}, patch) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({ x: 1 });
    expect(result['constructor']).toEqual({ y: 2 });
    expect(applyMergePatch({}, { toString: null })).toEqual({});
  });
});

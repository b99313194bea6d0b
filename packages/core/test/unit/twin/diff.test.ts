import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMergePatch, diffTwinSection, jsonEqual, type JsonObject } from '@verge/core';

describe('diffTwinSection', () => {
  it.each([
    [{ a: 1 }, { a: 1 }, {}],
    [{ a: 1 }, { a: 2 }, { a: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }, { b: null }],
    [{ a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } }, { a: { c: 3 } }],
    [{ a: { b: 1 } }, { a: {} }, { a: { b: null } }],
    [{ a: 1 }, { a: { b: 1 } }, { a: { b: 1 } }],
    [{ a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
    [{ a: [1, 2] }, { a: [1, 2] }, {}],
    [{ a: [1, 2] }, { a: [2, 1] }, { a: [2, 1] }],
    [{ a: 1 }, { a: null }, { a: null }],
    [{ $version: 3, a: 1 }, { $version: 9, $metadata: {}, a: 1 }, {}],
  ] as [JsonObject, JsonObject, JsonObject][])('%j → %j is %j', (previous, next, patch) => {
    expect(diffTwinSection(previous, next)).toEqual(patch);
  });

  const section = fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }) as fc.Arbitrary<JsonObject>;

  it('gives a patch that turns the old section into the new one (property)', () => {
    fc.assert(
      fc.property(section, section, (previous, next) => {
        const patched = applyMergePatch(previous, diffTwinSection(previous, next));
        expect(jsonEqual(patched, applyMergePatch({}, next))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('is empty for equal sections (property)', () => {
    fc.assert(
      fc.property(section, (s) => {
        const normal = applyMergePatch({}, s) as JsonObject;
        expect(diffTwinSection(normal, structuredClone(normal))).toEqual({});
      }),
      { numRuns: 2000 },
    );
  });
});

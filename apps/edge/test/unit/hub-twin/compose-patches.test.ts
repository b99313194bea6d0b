import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMergePatch, type JsonObject, type JsonValue } from '@verge/core';
import { coalescePatches, composeMergePatches } from '../../../src/hub/twin/compose-patches.js';

describe('composeMergePatches', () => {
  it.each<[string, JsonObject, JsonObject, JsonObject | undefined]>([
    ['disjoint keys', { a: 1 }, { b: 2 }, { a: 1, b: 2 }],
    ['later value wins', { a: 1 }, { a: 2 }, { a: 2 }],
    ['later delete wins', { a: 1 }, { a: null }, { a: null }],
    ['nested objects merge', { a: { x: 1 } }, { a: { y: null } }, { a: { x: 1, y: null } }],
    ['object after an untouched key', {}, { a: { x: 1 } }, { a: { x: 1 } }],
    ['not composable: object after a scalar', { a: 1 }, { a: { x: 1 } }, undefined],
    ['not composable: object after a delete', { a: null }, { a: { x: 1 } }, undefined],
    ['not composable deeper', { a: { b: 'v' } }, { a: { b: { c: 1 } } }, undefined],
  ])('%s', (_name, first, second, expected) => {
    expect(composeMergePatches(first, second)).toEqual(expected);
  });

  const json: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.integer({ min: 0, max: 3 }), fc.constantFrom('s', 't'), fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('v'), { maxKeys: 3 })),
  })).v;
  const obj = fc.dictionary(fc.constantFrom('a', 'b', 'c'), json, { maxKeys: 3 }) as fc.Arbitrary<JsonObject>;

  it('has the effect of applying both patches in turn, on any document, whenever it composes', () => {
    fc.assert(
      fc.property(obj, obj, obj, (doc, p1, p2) => {
        const c = composeMergePatches(p1, p2);
        if (c === undefined) return;
        expect(applyMergePatch(doc, c)).toEqual(applyMergePatch(applyMergePatch(doc, p1), p2));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('coalescePatches', () => {
  it('merges runs that compose and keeps order, with the first and last sequence numbers of each run', () => {
    const pending = [
      { seq: 1, patch: { a: 1 } },
      { seq: 2, patch: { b: 2 } },
      { seq: 3, patch: { a: { x: 1 } } }, // not composable after a: 1
      { seq: 4, patch: { a: { y: 2 } } },
    ];
    expect(coalescePatches(pending)).toEqual([
      { patch: { a: 1, b: 2 }, fromSeq: 1, throughSeq: 2 },
      { patch: { a: { x: 1, y: 2 } }, fromSeq: 3, throughSeq: 4 },
    ]);
  });

  it('returns at most maxPatches, the rest waits', () => {
    const pending = [
      { seq: 1, patch: { a: 1 } },
      { seq: 2, patch: { a: { x: 1 } } },
      { seq: 3, patch: { a: 2 } },
    ];
    expect(coalescePatches(pending, 1)).toEqual([{ patch: { a: 1 }, fromSeq: 1, throughSeq: 1 }]);
    expect(coalescePatches([])).toEqual([]);
  });
});

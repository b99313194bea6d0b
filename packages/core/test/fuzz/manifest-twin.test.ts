import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import {
  applyMergePatch,
  assertTwinPatch,
  assertTwinSection,
  checkTwinSection,
  createTwin,
  diffTwinSection,
  jsonEqual,
  replaceDesired,
  updateDesired,
  updateReported,
  updateTags,
  type JsonObject,
  type Twin,
} from '@verge/core';
import { fuzzRuns } from '@verge/testkit/fuzz';

// Twin documents (the twin side of manifests): validation and updates throw nothing but TWIN_* VergeErrors.
function onlyTwinErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (!isVergeError(e) || !e.code.startsWith('TWIN_')) throw new Error(`unexpected throw: ${String(e)}`, { cause: e });
    return false;
  }
}

const key = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'a.b', '$version', '$metadata', 'x y', '', '\u0007', 'é', '__proto__', 'constructor', 'k'.repeat(1025)),
  fc.string({ maxLength: 8 }),
);
const scalar = fc.oneof(
  fc.constantFrom<unknown>(null, 4_503_599_627_370_495, 4_503_599_627_370_496, -4_503_599_627_370_497, 's'.repeat(4096), 's'.repeat(4097), Number.NaN),
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
);
// Twin-shaped documents: random keys (valid and not), nesting up to 13 levels, scalars at and beyond the limits.
const { doc } = fc.letrec<{ doc: unknown; node: unknown }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', maxDepth: 13 }, scalar, tie('doc'), fc.array(tie('node'), { maxLength: 3 })),
  doc: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
}));
function hasNaN(value: unknown): boolean {
  if (typeof value === 'number') return Number.isNaN(value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(hasNaN);
}
const anyValue = fc.anything({ withBigInt: true, withDate: true, withMap: true, withNullPrototype: true, maxDepth: 4 });

describe('twin validation and updates throw only TWIN_* VergeErrors', () => {
  it('checkTwinSection never throws on 100k arbitrary values and twin-shaped documents', () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, doc), fc.constantFrom('desired', 'reported', 'tags') as fc.Arbitrary<'desired' | 'reported' | 'tags'>, fc.boolean(), (value, kind, patch) => {
        checkTwinSection(kind, value, { patch });
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('assertTwinSection / assertTwinPatch on 100k values', () => {
    fc.assert(
      fc.property(fc.oneof(anyValue, doc), (value) => {
        onlyTwinErrors(() => assertTwinSection('desired', value));
        onlyTwinErrors(() => assertTwinPatch('tags', value));
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('updates on 100k random patches keep the twin valid and follow RFC 7386', () => {
    const base = createTwin({ deviceId: 'd', desired: { a: { b: 1 }, c: 'x' }, reported: { r: [1, 2] }, tags: { t: true } });
    const runs = fuzzRuns(100_000);
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(doc, anyValue), fc.constantFrom('desired', 'reported', 'tags', 'replace'), (patch, op) => {
        let next: Twin | undefined;
        const ok = onlyTwinErrors(() => {
          next = op === 'desired' ? updateDesired(base, patch) : op === 'reported' ? updateReported(base, patch) : op === 'tags' ? updateTags(base, patch) : replaceDesired(base, patch);
        });
        if (!ok || next === undefined) return;
        accepted++;
        if (checkTwinSection('desired', next.properties.desired).length + checkTwinSection('reported', next.properties.reported).length + checkTwinSection('tags', next.tags).length > 0) {
          throw new Error('an accepted update produced an invalid twin');
        }
        if (op === 'desired') {
          const { $version: _v, ...data } = next.properties.desired;
          const { $version: _p, $metadata: _m, ...patchData } = patch as JsonObject;
          if (!jsonEqual(data, applyMergePatch({ a: { b: 1 }, c: 'x' }, patchData))) throw new Error('desired is not the merge of the patch');
          if (next.properties.desired.$version !== 2 || next.version !== 2) throw new Error('versions not bumped');
        }
      }),
      { numRuns: runs },
    );
    // Both outcomes must be exercised (at least 10% each).
    expect(accepted).toBeGreaterThan(runs * 0.1);
    expect(accepted).toBeLessThan(runs * 0.9);
  });

  it('diffTwinSection + applyMergePatch reproduce any accepted section (100k twin-shaped pairs)', () => {
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        // Sections that hold only JSON values (NaN is not one, and is not equal to itself).
        fc.pre(!hasNaN(a) && !hasNaN(b));
        const previous = applyMergePatch({}, a as JsonObject) as JsonObject;
        const next = applyMergePatch({}, b as JsonObject) as JsonObject;
        const strip = (s: JsonObject): JsonObject => Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$version' && k !== '$metadata'));
        const patched = applyMergePatch(strip(previous), diffTwinSection(previous, next));
        if (!jsonEqual(patched, strip(next))) throw new Error('diff does not reproduce the section');
      }),
      { numRuns: fuzzRuns(100_000) },
    );
    expect(diffTwinSection({ a: 1 }, { a: 1 })).toEqual({});
  });
});

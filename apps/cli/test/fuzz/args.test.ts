import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { checkHostFlag, parseIntegerFlag, parseJson, parseJsonObject, parseKeyValues, tagsFromKeyValues } from '../../src/cli/args.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

/** Runs `fn`; anything thrown must be a VergeError CLI_ARGUMENT_INVALID whose message starts with the flag. */
function onlyArgumentErrors(flag: string, fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(isVergeError(e, 'CLI_ARGUMENT_INVALID')).toBe(true);
    expect((e as Error).message.startsWith(flag)).toBe(true);
  }
}

const kvUnit = fc.constantFrom('a', 'b', '=', '.', ' ', '', 'é', '\n', '0', '__proto__', 'constructor');
const kvItem = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.tuple(fc.string({ unit: kvUnit, maxLength: 6 }), fc.string({ unit: kvUnit, maxLength: 6 })).map(([k, v]) => `${k}=${v}`),
);

describe('argument parsers (fuzz)', () => {
  it('parseKeyValues + tagsFromKeyValues throw only CLI_ARGUMENT_INVALID naming the flag; accepted pairs round-trip', () => {
    fc.assert(
      fc.property(fc.array(kvItem, { maxLength: 6 }), (items) => {
        onlyArgumentErrors('--tags', () => {
          const pairs = parseKeyValues('--tags', items);
          expect(Object.entries(pairs).map(([k, v]) => `${k}=${v}`).sort()).toEqual([...items].sort());
          tagsFromKeyValues('--tags', pairs);
        });
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('parseJson / parseJsonObject throw only CLI_ARGUMENT_INVALID; valid JSON round-trips', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.json({ maxDepth: 3 })), (text) => {
        onlyArgumentErrors('--desired', () => {
          expect(JSON.stringify(parseJson('--desired', text))).toBe(JSON.stringify(JSON.parse(text)));
        });
        onlyArgumentErrors('--desired', () => parseJsonObject('--desired', text));
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });

  it('parseIntegerFlag and checkHostFlag throw only CLI_ARGUMENT_INVALID; results are in range', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -10, max: 400 }).map(String)), (text) => {
        onlyArgumentErrors('--timeout', () => {
          const n = parseIntegerFlag('--timeout', text, 5, 300);
          expect(n >= 5 && n <= 300).toBe(true);
        });
        onlyArgumentErrors('--gateway', () => checkHostFlag('--gateway', text));
      }),
      { numRuns: fuzzRuns(100_000) },
    );
  });
});

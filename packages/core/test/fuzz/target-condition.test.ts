import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VergeError } from '@verge/contracts';
import { compileTargetCondition, parseQuery, parseTargetCondition, runQuery, type TwinView } from '@verge/core';
import { anyText, condition, twin, validTarget } from './query-arbitraries.js';
import { fuzzRuns } from '@verge/testkit/fuzz';

const RUNS = { numRuns: fuzzRuns(100_000) };

/** Compiles; a thrown error fails the property, a refusal must be a TARGET_CONDITION_INVALID VergeError. */
function compile(text: string) {
  const r = compileTargetCondition(text);
  if (!r.ok) {
    expect(r.error).toBeInstanceOf(VergeError);
    expect(r.error.code).toBe('TARGET_CONDITION_INVALID');
  }
  return r;
}

describe('target conditions under fuzzing', () => {
  it('random text: compileTargetCondition never throws; parseTargetCondition throws only its VergeError', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        compile(text);
        try {
          parseTargetCondition(text);
        } catch (e) {
          expect(e instanceof VergeError && e.code === 'TARGET_CONDITION_INVALID').toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('grammar-shaped text: compiles or is refused; a compiled condition evaluates random twins without throwing', () => {
    fc.assert(
      fc.property(condition, twin, (text, t) => {
        const r = compile(text);
        if (r.ok) expect(typeof r.matches(t)).toBe('boolean');
      }),
      RUNS,
    );
  });

  it('valid target conditions compile and target exactly what SELECT deviceId FROM devices WHERE <condition> returns', () => {
    fc.assert(
      fc.property(validTarget, fc.array(twin, { maxLength: 4 }), (text, ts) => {
        const r = compile(text);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const devices: TwinView[] = ts.map((t, i) => {
          const { moduleId: _moduleId, ...device } = t;
          return { ...device, deviceId: `d${i}` };
        });
        const viaQuery = runQuery(parseQuery(`SELECT deviceId FROM devices WHERE ${text}`), devices).items.map((i) => (i as TwinView).deviceId);
        expect(devices.filter((d) => r.matches(d)).map((d) => d.deviceId)).toEqual(viaQuery);
      }),
      RUNS,
    );
  });

  it('mutated valid conditions: still only VergeError refusals', () => {
    const mutated = fc.tuple(validTarget, fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...'\'"[]().,=<>!-+*/% aAnNdDoOrR0')).map(([t, at, del, ins]) => {
      const i = t.length === 0 ? 0 : at % t.length;
      return t.slice(0, i) + ins + t.slice(i + del);
    });
    fc.assert(fc.property(mutated, twin, (text, t) => {
      const r = compile(text);
      if (r.ok) expect(typeof r.matches(t)).toBe('boolean');
    }), RUNS);
  });
});

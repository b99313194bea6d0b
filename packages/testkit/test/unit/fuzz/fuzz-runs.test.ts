import { afterEach, describe, expect, it } from 'vitest';
import { fuzzRuns } from '../../../src/fuzz/index.js';

const saved = process.env['VERGE_FUZZ_SCALE'];
afterEach(() => {
  if (saved === undefined) delete process.env['VERGE_FUZZ_SCALE'];
  else process.env['VERGE_FUZZ_SCALE'] = saved;
});

describe('fuzzRuns', () => {
  it('runs the full count without VERGE_FUZZ_SCALE, and scales it with one (never below 1,000 nor above the full count)', () => {
    delete process.env['VERGE_FUZZ_SCALE'];
    expect(fuzzRuns(100_000)).toBe(100_000);
    process.env['VERGE_FUZZ_SCALE'] = '0.25';
    expect(fuzzRuns(100_000)).toBe(25_000);
    expect(fuzzRuns(2_000)).toBe(1_000);
    expect(fuzzRuns(500)).toBe(500);
  });

  it('refuses a scale that is not in (0, 1], naming the variable', () => {
    for (const bad of ['0', '-1', '2', 'abc']) {
      process.env['VERGE_FUZZ_SCALE'] = bad;
      expect(() => fuzzRuns(100_000)).toThrow(/VERGE_FUZZ_SCALE/);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { churnPerSecond, matchesPattern, parseChurn, parseFailRules, parseStartDelay } from '../../src/index.js';

describe('failure rules', () => {
  it('parses image and module rules, comma-separated or repeated, rates as fractions or percentages', () => {
    expect(parseFailRules(['image=repo/app:2.0=1.0,module=filter=50%', 'image=reg.io:5000/a/b@sha256:ab=0'])).toEqual({
      ok: true,
      value: [
        { selector: 'image', pattern: 'repo/app:2.0', rate: 1 },
        { selector: 'module', pattern: 'filter', rate: 0.5 },
        { selector: 'image', pattern: 'reg.io:5000/a/b@sha256:ab', rate: 0 },
      ],
    });
    expect(parseFailRules([])).toEqual({ ok: true, value: [] });
  });

  it.each([
    ['image', 'is not of the form'],
    ['image=x', 'is not of the form'],
    ['=x=1', 'is not of the form'],
    ['tag=x=1', '"tag" is not "image" or "module"'],
    ['image==1', 'the image pattern is empty'],
    ['module=x=', 'the rate "" is not'],
    ['module=x=-0.1', 'the rate "-0.1" is not'],
    ['module=x=101%', 'the rate "101%" is not'],
    ['module=x=1e-3', 'the rate "1e-3" is not'],
  ])('refuses %j', (text, problem) => {
    const parsed = parseFailRules([text]);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(problem);
  });

  it.each([
    ['repo/app:2.0', 'repo/app:2.0', true],
    ['repo/app:2.0', 'repo/app:2.01', false],
    ['repo/app:2.*', 'repo/app:2.7', true],
    ['repo/app:2.*', 'repo/app:1.7', false],
    ['*', 'anything', true],
    ['*/app:*', 'reg/app:1', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['a*a', 'a', false],
  ])('pattern %j on %j → %j', (pattern, text, expected) => {
    expect(matchesPattern(pattern, text)).toBe(expected);
  });
});

describe('start delay and churn', () => {
  it('parses a fixed delay or a range', () => {
    expect(parseStartDelay('250')).toEqual({ ok: true, value: { minMs: 250, maxMs: 250 } });
    expect(parseStartDelay('100-2000')).toEqual({ ok: true, value: { minMs: 100, maxMs: 2000 } });
    expect(parseStartDelay('3600001').ok).toBe(false);
    expect(parseStartDelay('-5').ok).toBe(false);
  });

  it('parses counts and percentages per second or minute', () => {
    expect(parseChurn('5/s')).toEqual({ ok: true, value: { amount: 5, unit: 'count', per: 's' } });
    expect(parseChurn('10%/min')).toEqual({ ok: true, value: { amount: 10, unit: 'percent', per: 'min' } });
    expect(parseChurn('0.5/min').ok).toBe(true);
    expect(parseChurn('5').ok).toBe(false);
    expect(parseChurn('5/h').ok).toBe(false);
    expect(churnPerSecond({ amount: 10, unit: 'percent', per: 'min' }, 600)).toBe(1);
    expect(churnPerSecond({ amount: 3, unit: 'count', per: 's' }, 600)).toBe(3);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalsIgnoreCase, foldCase, hasPrefixIgnoreCase, lowerInvariant, parseInvariantNumber, upperInvariant } from '../../../src/route/invariant-text.js';
import { decodeText, decodeTextPortable } from '../../../src/route/text-decode.js';

describe('invariant text helpers', () => {
  it('maps case one to one, like .NET ToUpperInvariant/ToLowerInvariant', () => {
    expect(upperInvariant('straße é')).toBe('STRAßE É');
    expect(lowerInvariant('ÀB Ç')).toBe('àb ç');
    expect(foldCase('Ab')).toBe(foldCase('aB'));
    expect(equalsIgnoreCase('ÄB', 'äb')).toBe(true);
    expect(equalsIgnoreCase('ß', 'SS')).toBe(false);
  });

  it.each([
    ['/messages/modules/a/', '/MESSAGES/', true],
    ['/messages/', '/messages/modules/', false],
    ['/messages/x', '/messages/y', false],
    ['/m/Ä/', '/m/ä/', true],
    ['/m/[/', '/m/{/', false],
  ])('hasPrefixIgnoreCase(%j, %j) = %s', (s, prefix, expected) => {
    expect(hasPrefixIgnoreCase(s, prefix)).toBe(expected);
  });

  it.each([
    ['3', 3], [' 3 ', 3], ['-3', -3], ['+3', 3], ['3-', -3], ['(3)', -3], ['1,000.5', 1000.5], ['1e3', 1000], ['.5', 0.5], ['5.', 5],
    ['1e400', Infinity], ['-infinity', -Infinity], ['Infinity', Infinity], ['∞', Infinity],
    ['', undefined], [' ', undefined], ['.', undefined], ['NaN', undefined], ['0x1', undefined], ['1 2', undefined], ['-3-', undefined],
    ['--3', undefined], ['(-3)', undefined], ['3e', undefined], ['abc', undefined], ['1_000', undefined],
  ])('parseInvariantNumber(%j) = %s', (text, expected) => {
    expect(parseInvariantNumber(text)).toBe(expected);
  });
});

describe('decodeText', () => {
  it('decodes UTF-8 with and without a BOM, replacing invalid sequences', () => {
    expect(decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]), 'utf-8')).toBe('a');
    expect(decodeText(Uint8Array.from([0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]), 'utf-8')).toBe('€😀');
    expect(decodeText(Uint8Array.from([0x61, 0xff, 0x62]), 'utf-8')).toBe('a\ufffdb');
    expect(decodeText(Uint8Array.from([0xe2, 0x82]), 'utf-8')).toBe('\ufffd');
    expect(decodeText(Uint8Array.from([0xed, 0xa0, 0x80]), 'utf-8')).toBe('\ufffd\ufffd\ufffd');
    expect(decodeText(Uint8Array.from([0xf0, 0x9f, 0x61]), 'utf-8')).toBe('\ufffda');
    expect(decodeText(Uint8Array.from([0xc0, 0x80]), 'utf-8')).toBe('\ufffd\ufffd');
    expect(decodeText(new Uint8Array(), 'utf-8')).toBe('');
  });

  it('decodes UTF-16 (little-endian unless a BOM says otherwise)', () => {
    expect(decodeText(Uint8Array.from([0x61, 0, 0x3d, 0xd8, 0x00, 0xde]), 'utf-16')).toBe('a😀');
    expect(decodeText(Uint8Array.from([0xfe, 0xff, 0, 0x61]), 'utf-16')).toBe('a');
    expect(decodeText(Uint8Array.from([0xff, 0xfe, 0x61, 0]), 'utf-16')).toBe('a');
    expect(decodeText(Uint8Array.from([0x3d, 0xd8, 0x61, 0]), 'utf-16')).toBe('\ufffda');
    expect(decodeText(Uint8Array.from([0x61, 0, 0x62]), 'utf-16')).toBe('a\ufffd');
  });

  it('decodes UTF-32 (little-endian unless a BOM says otherwise)', () => {
    expect(decodeText(Uint8Array.from([0x00, 0xf6, 0x01, 0x00]), 'utf-32')).toBe('😀');
    expect(decodeText(Uint8Array.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x61]), 'utf-32')).toBe('a');
    expect(decodeText(Uint8Array.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]), 'utf-32')).toBe('a');
    expect(decodeText(Uint8Array.from([0, 0, 0x11, 0, 0x00, 0xd8, 0, 0]), 'utf-32')).toBe('\ufffd\ufffd');
    expect(decodeText(Uint8Array.from([0x61, 0, 0, 0, 0x62]), 'utf-32')).toBe('a\ufffd');
  });

  it('decodes exactly like the portable decoders (used where TextDecoder is missing)', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => new TextEncoder().encode(s)),
      fc.array(fc.constantFrom(0x00, 0x61, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xd8, 0xdc, 0xfe), { maxLength: 12 }).map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(bytes, fc.constantFrom('utf-8' as const, 'utf-16' as const, 'utf-32' as const), (b, encoding) => {
        expect(decodeText(b, encoding)).toBe(decodeTextPortable(b, encoding));
      }),
      { numRuns: 5000 },
    );
  });

  it('decodes large ASCII and non-ASCII bodies', () => {
    const big = 'x'.repeat(100_000);
    expect(decodeText(new TextEncoder().encode(big), 'utf-8')).toBe(big);
    const bigUnicode = 'é'.repeat(50_000);
    expect(decodeText(new TextEncoder().encode(bigUnicode), 'utf-8')).toBe(bigUnicode);
    expect(decodeTextPortable(new TextEncoder().encode(big), 'utf-8')).toBe(big);
    expect(decodeTextPortable(new TextEncoder().encode(bigUnicode), 'utf-8')).toBe(bigUnicode);
  });
});

/**
 * String helpers that reproduce the .NET invariant-culture behaviour edgeHub relies on: ordinal
 * case-insensitive keys (`StringComparer.OrdinalIgnoreCase`), `ToUpperInvariant`/`ToLowerInvariant`
 * (simple one-to-one case mapping, so `ß` stays `ß`) and `double.TryParse(s, NumberStyles.Any, InvariantCulture)`.
 */

const NON_ASCII = /[\u0080-\uffff]/;

function mapSimple(s: string, map: (ch: string) => string): string {
  if (!NON_ASCII.test(s)) return map(s);
  let out = '';
  for (const ch of s) {
    const mapped = map(ch);
    // Full mappings such as ß → SS change the length; .NET's simple mapping leaves those characters alone.
    out += mapped.length === ch.length ? mapped : ch;
  }
  return out;
}

/** Upper-cases with the simple invariant mapping (`String.ToUpperInvariant`). */
export function upperInvariant(s: string): string {
  return mapSimple(s, (c) => c.toUpperCase());
}

/** Lower-cases with the simple invariant mapping (`String.ToLowerInvariant`). */
export function lowerInvariant(s: string): string {
  return mapSimple(s, (c) => c.toLowerCase());
}

/** Key under which two strings are equal iff they are equal ignoring case ordinally (`OrdinalIgnoreCase`). */
export function foldCase(s: string): string {
  return upperInvariant(s);
}

/** `a.StartsWith(b, StringComparison.OrdinalIgnoreCase)`. */
export function startsWithIgnoreCase(a: string, b: string): boolean {
  return a.length >= b.length && foldCase(a.slice(0, b.length)) === foldCase(b);
}

/** `string.Equals(a, b, StringComparison.OrdinalIgnoreCase)`; allocation-free for ASCII. */
export function equalsIgnoreCase(a: string, b: string): boolean {
  return a.length === b.length && hasPrefixIgnoreCase(a, b);
}

// NumberStyles.Any = leading/trailing white space, leading or trailing sign, parentheses, decimal point,
// thousands separators and exponent (currency symbols are not accepted; see README.md).
const NUMBER = /^[\t-\r ]*(?:([+-]?)(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?([+-]?)|\((\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?\))[\t-\r ]*$/;
const SPECIAL = /^[\t-\r ]*([+-]?)(infinity|∞|nan)[\t-\r ]*$/i;

/**
 * `double.TryParse(s, NumberStyles.Any, CultureInfo.InvariantCulture)` as used by edgeHub's `as_number`:
 * returns the number, `Infinity` on overflow (as .NET Core 3.0+), or undefined when the text is not a number
 * (NaN counts as undefined in the route language).
 */
export function parseInvariantNumber(s: string): number | undefined {
  const m = NUMBER.exec(s);
  if (m !== null) {
    const [, lead, digits, exp, trail, parenDigits, parenExp] = m;
    if (parenDigits !== undefined) return -Number(parenDigits.replace(/,/g, '') + (parenExp ?? ''));
    if (lead !== '' && trail !== '') return undefined;
    const value = Number((digits ?? '').replace(/,/g, '') + (exp ?? ''));
    return lead === '-' || trail === '-' ? -value : value;
  }
  const special = SPECIAL.exec(s);
  if (special === null || special[2]?.toLowerCase() === 'nan') return undefined;
  return special[1] === '-' ? -Infinity : Infinity;
}

/**
 * `s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)` without allocating in the common ASCII case; used on
 * the hot path (every route's source against every message's source).
 */
export function hasPrefixIgnoreCase(s: string, prefix: string): boolean {
  if (prefix.length > s.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const a = s.charCodeAt(i);
    const b = prefix.charCodeAt(i);
    if (a === b) continue;
    if (a >= 0x80 || b >= 0x80) return startsWithIgnoreCase(s, prefix);
    const la = a >= 0x41 && a <= 0x5a ? a + 32 : a;
    const lb = b >= 0x41 && b <= 0x5a ? b + 32 : b;
    if (la !== lb) return false;
  }
  return true;
}

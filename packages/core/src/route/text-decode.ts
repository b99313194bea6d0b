/**
 * Decoders for the three body encodings edgeHub accepts for `$body` queries (reference §3.3: contentEncoding
 * utf-8, utf-16, utf-32). edgeHub uses .NET `Encoding.UTF8`, `Encoding.Unicode` (UTF-16 little-endian) and
 * `Encoding.UTF32` (little-endian); invalid sequences become U+FFFD. A byte-order mark is removed, and for UTF-16
 * and UTF-32 a big-endian mark switches to big-endian. The standard TextDecoder (Web API, no I/O) is used for
 * UTF-8 and UTF-16 when the runtime has it — it is some 40 times faster — and portable code otherwise.
 */

/** Encodings accepted for body queries, by their lower-cased contentEncoding value. */
export type BodyEncoding = 'utf-8' | 'utf-16' | 'utf-32';

const REPLACEMENT = 0xfffd;
const CHUNK = 8192;

function fromCodeUnits(units: number[]): string {
  let out = '';
  for (let i = 0; i < units.length; i += CHUNK) out += String.fromCharCode(...units.slice(i, i + CHUNK));
  return out;
}

function pushCodePoint(units: number[], cp: number): void {
  if (cp < 0x10000) units.push(cp);
  else units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
}

// Continuation-byte bounds after a lead byte (WHATWG UTF-8 decoder): they exclude overlong forms, surrogates
// and code points above U+10FFFF, so each maximal invalid subpart becomes one U+FFFD, as in .NET Core.
function utf8Lead(b: number): { needed: number; bits: number; lower: number; upper: number } | undefined {
  if (b >= 0xc2 && b <= 0xdf) return { needed: 1, bits: b & 0x1f, lower: 0x80, upper: 0xbf };
  if (b >= 0xe0 && b <= 0xef) return { needed: 2, bits: b & 0x0f, lower: b === 0xe0 ? 0xa0 : 0x80, upper: b === 0xed ? 0x9f : 0xbf };
  if (b >= 0xf0 && b <= 0xf4) return { needed: 3, bits: b & 0x07, lower: b === 0xf0 ? 0x90 : 0x80, upper: b === 0xf4 ? 0x8f : 0xbf };
  return undefined;
}

function isAscii(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return false;
  return true;
}

function decodeUtf8(bytes: Uint8Array): string {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (isAscii(bytes, i)) {
    let out = '';
    for (; i < bytes.length; i += CHUNK) out += String.fromCharCode(...bytes.subarray(i, Math.min(i + CHUNK, bytes.length)));
    return out;
  }
  const units: number[] = [];
  while (i < bytes.length) {
    const b = bytes[i] as number;
    i++;
    if (b < 0x80) {
      units.push(b);
      continue;
    }
    const lead = utf8Lead(b);
    if (lead === undefined) {
      units.push(REPLACEMENT);
      continue;
    }
    let cp = lead.bits;
    let seen = 0;
    let [lower, upper] = [lead.lower, lead.upper];
    while (seen < lead.needed && i < bytes.length && (bytes[i] as number) >= lower && (bytes[i] as number) <= upper) {
      cp = (cp << 6) | ((bytes[i] as number) & 0x3f);
      [lower, upper] = [0x80, 0xbf];
      seen++;
      i++;
    }
    // An incomplete sequence is one U+FFFD; the byte that broke it is decoded afresh.
    pushCodePoint(units, seen === lead.needed ? cp : REPLACEMENT);
  }
  return fromCodeUnits(units);
}

function decodeUtf16(bytes: Uint8Array): string {
  let bigEndian = false;
  let i = 0;
  if (bytes[0] === 0xfe && bytes[1] === 0xff) [bigEndian, i] = [true, 2];
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) i = 2;
  const raw: number[] = [];
  for (; i + 1 < bytes.length; i += 2) {
    const a = bytes[i] as number;
    const b = bytes[i + 1] as number;
    raw.push(bigEndian ? (a << 8) | b : (b << 8) | a);
  }
  if (i < bytes.length) {
    // A dangling byte ends the text with one U+FFFD, which also absorbs a high surrogate right before it.
    const last = raw[raw.length - 1];
    if (last !== undefined && last >= 0xd800 && last <= 0xdbff) raw.pop();
    raw.push(REPLACEMENT);
  }
  // Unpaired surrogates are replaced, as .NET's decoder does.
  const units: number[] = [];
  for (let k = 0; k < raw.length; k++) {
    const u = raw[k] as number;
    const following = raw[k + 1];
    if (u >= 0xd800 && u <= 0xdbff && following !== undefined && following >= 0xdc00 && following <= 0xdfff) {
      units.push(u, following);
      k++;
    } else units.push(u >= 0xd800 && u <= 0xdfff ? REPLACEMENT : u);
  }
  return fromCodeUnits(units);
}

function decodeUtf32(bytes: Uint8Array): string {
  let bigEndian = false;
  let i = 0;
  if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) [bigEndian, i] = [true, 4];
  else if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) i = 4;
  const units: number[] = [];
  for (; i + 3 < bytes.length; i += 4) {
    const [a, b, c, d] = [bytes[i] as number, bytes[i + 1] as number, bytes[i + 2] as number, bytes[i + 3] as number];
    const cp = (bigEndian ? a * 0x1000000 + (b << 16) + (c << 8) + d : d * 0x1000000 + (c << 16) + (b << 8) + a);
    pushCodePoint(units, cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? REPLACEMENT : cp);
  }
  if (i < bytes.length) units.push(REPLACEMENT);
  return fromCodeUnits(units);
}

/** Decodes with portable code only (the fallback of decodeText; exported for tests). */
export function decodeTextPortable(bytes: Uint8Array, encoding: BodyEncoding): string {
  switch (encoding) {
    case 'utf-8':
      return decodeUtf8(bytes);
    case 'utf-16':
      return decodeUtf16(bytes);
    case 'utf-32':
      return decodeUtf32(bytes);
    default: {
      const never: never = encoding;
      return never;
    }
  }
}

interface NativeDecoder {
  decode(input: Uint8Array): string;
}

// WHATWG TextDecoder: replacement (non-fatal) mode, strips a BOM of its own encoding, same U+FFFD policy as .NET.
function nativeDecoder(label: 'utf-8' | 'utf-16le' | 'utf-16be'): NativeDecoder | undefined {
  const ctor = (globalThis as { TextDecoder?: new (label: string) => NativeDecoder }).TextDecoder;
  if (typeof ctor !== 'function') return undefined;
  try {
    return new ctor(label);
  } catch {
    return undefined; // e.g. utf-16be on a runtime without ICU
  }
}

function utf16Label(bytes: Uint8Array): 'utf-16le' | 'utf-16be' {
  return bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-16le';
}

/** Decodes a message body in one of the supported encodings; never throws. */
export function decodeText(bytes: Uint8Array, encoding: BodyEncoding): string {
  if (encoding !== 'utf-32') {
    const decoder = nativeDecoder(encoding === 'utf-8' ? 'utf-8' : utf16Label(bytes));
    if (decoder !== undefined) return decoder.decode(bytes);
  }
  return decodeTextPortable(bytes, encoding);
}

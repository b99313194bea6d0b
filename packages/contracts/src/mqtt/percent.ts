import { VergeError } from '../errors/index.js';

const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/**
 * Percent-decodes `text` the way .NET `Uri.UnescapeDataString` does (the decoder Azure IoT Edge applies to
 * property-bag keys and values, reference azure-iot-edge.md §5.4): every `%XX` run that forms valid UTF-8 is
 * decoded, anything else (`%zz`, a lone `%`, invalid UTF-8 such as `%FF`) is kept literally. `+` is NOT a space
 * (RFC 3986). Never throws.
 */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  // The SDK's keys `%24.mid`, `%24.on`…: '$' and a rest without escapes, decoded without decodeURIComponent.
  if (text.startsWith('%24') && text.indexOf('%', 3) < 0) return `$${text.slice(3)}`;
  try {
    return decodeURIComponent(text);
  } catch {
    return lenientDecode(text);
  }
}

function lenientDecode(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const bytes = readEscapedRun(text, i);
    if (bytes.length === 0) {
      out += text[i];
      i += 1;
      continue;
    }
    out += decodeByteRun(text.slice(i, i + bytes.length * 3), bytes);
    i += bytes.length * 3;
  }
  return out;
}

/** The bytes of the consecutive `%XX` escapes starting at `start` (empty when there is none). */
function readEscapedRun(text: string, start: number): number[] {
  const bytes: number[] = [];
  let i = start;
  while (text[i] === '%' && HEX_PAIR.test(text.slice(i + 1, i + 3))) {
    bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
    i += 3;
  }
  return bytes;
}

/** Decodes one run of escapes; sequences that are not valid UTF-8 stay as their original `%XX` text. */
function decodeByteRun(escaped: string, bytes: readonly number[]): string {
  let out = '';
  let b = 0;
  while (b < bytes.length) {
    const len = utf8SequenceLength(bytes[b] ?? 0);
    const candidate = len > 0 && b + len <= bytes.length ? escaped.slice(b * 3, (b + len) * 3) : '';
    const decoded = candidate === '' ? undefined : tryDecode(candidate);
    if (decoded === undefined) {
      out += escaped.slice(b * 3, b * 3 + 3);
      b += 1;
    } else {
      out += decoded;
      b += len;
    }
  }
  return out;
}

function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >> 5 === 0b110) return 2;
  if (lead >> 4 === 0b1110) return 3;
  if (lead >> 3 === 0b11110) return 4;
  return 0;
}

function tryDecode(escaped: string): string | undefined {
  try {
    return decodeURIComponent(escaped);
  } catch {
    return undefined;
  }
}

/**
 * `encodeURIComponent`, but a string that cannot be encoded (a lone UTF-16 surrogate) raises
 * TOPIC_PROPERTY_BAG_INVALID naming `what` instead of a bare URIError.
 */
export function percentEncode(text: string, what: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    throw new VergeError('TOPIC_PROPERTY_BAG_INVALID', `${what} contains a lone UTF-16 surrogate and cannot be percent-encoded`, {
      details: { what },
    });
  }
}

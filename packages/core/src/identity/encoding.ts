import { base64 } from '@scure/base';
import { VergeError } from '@verge/contracts';

/**
 * `encodeURIComponent` plus escapes of `! ' ( ) *`, byte-for-byte as azure-iot-common's
 * `encodeUriComponentStrict` (reference azure-iot-edge.md §5.2). The extra escapes use lowercase hex
 * (`*` → `%2a`) because the SDK builds them with `charCodeAt(0).toString(16)`; the encoded `sr` is what gets
 * signed, so this must match exactly. A lone UTF-16 surrogate throws VergeError SAS_PARAMETER_INVALID.
 */
export function encodeUriComponentStrict(text: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    throw new VergeError('SAS_PARAMETER_INVALID', 'text contains a lone UTF-16 surrogate and cannot be URL-encoded');
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

const BASE64_SHAPE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Decodes base64 as tolerantly as Node's `Buffer.from(s, 'base64')` for well-formed input (which is what the SDK
 * uses for keys): standard or URL-safe alphabet, padding optional. Whitespace and other characters are rejected
 * rather than skipped. Returns undefined when `text` is not base64.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64_SHAPE.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (unpadded.length % 4 === 1) return undefined;
  try {
    return base64.decode(unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

/** Standard base64 with padding (what IoT Hub keys and SAS signatures use). */
export function encodeBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/** Decodes a shared access key; throws VergeError SAS_KEY_INVALID (naming `what`, never the key) if empty or not base64. */
export function decodeKey(keyB64: string, what = 'shared access key'): Uint8Array {
  const bytes = decodeBase64(keyB64);
  if (bytes === undefined || bytes.length === 0) {
    throw new VergeError('SAS_KEY_INVALID', `${what} is ${keyB64 === '' ? 'empty' : 'not valid base64'}`, { details: { what } });
  }
  return bytes;
}

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { VergeError } from '@verge/contracts';
import { decodeBase64, decodeKey, encodeBase64 } from './encoding.js';

/** Key lengths IoT Hub accepts for symmetric keys, in bytes after base64 decoding. */
export const SYMMETRIC_KEY_MIN_BYTES = 16;
/** See `SYMMETRIC_KEY_MIN_BYTES`. */
export const SYMMETRIC_KEY_MAX_BYTES = 64;

/** Base64 HMAC-SHA256 of `data` (bytes, or a string taken as UTF-8) under `key`. */
export function hmacSha256Base64(key: Uint8Array, data: Uint8Array | string): string {
  return encodeBase64(hmac(sha256, key, typeof data === 'string' ? utf8ToBytes(data) : data));
}

/**
 * Workload API `/sign` semantics (azure-sdk-protocol.md §7, reference azure-iot-edge.md §7.1): base64
 * HMAC-SHA256 of the base64-decoded `dataB64` under the base64 key `keyB64`. Throws VergeError SAS_KEY_INVALID
 * for a bad key and SAS_DATA_INVALID when `dataB64` is not base64.
 */
export function signWithKey(keyB64: string, dataB64: string): string {
  const key = decodeKey(keyB64);
  const data = decodeBase64(dataB64);
  if (data === undefined) throw new VergeError('SAS_DATA_INVALID', 'data to sign is not valid base64');
  return hmacSha256Base64(key, data);
}

/**
 * Derives a module's symmetric key from its device's key the way aziot-identityd names them (reference
 * azure-iot-edge.md §11.4): base64 HMAC-SHA256(deviceKey, `${moduleId}:${generationId}:${keyId}`). A new
 * generationId (module recreated) yields new keys. Throws SAS_KEY_INVALID or SAS_PARAMETER_INVALID.
 */
export function deriveModuleKey(
  deviceKeyB64: string,
  moduleId: string,
  generationId: string,
  keyId: 'primary' | 'secondary',
): string {
  const key = decodeKey(deviceKeyB64, 'device key');
  if (moduleId === '' || generationId === '') {
    throw new VergeError('SAS_PARAMETER_INVALID', `cannot derive a module key: ${moduleId === '' ? 'moduleId' : 'generationId'} is empty`);
  }
  if (keyId !== 'primary' && keyId !== 'secondary') {
    throw new VergeError('SAS_PARAMETER_INVALID', `keyId '${String(keyId)}' must be 'primary' or 'secondary'`);
  }
  return hmacSha256Base64(key, `${moduleId}:${generationId}:${keyId}`);
}

/**
 * A new symmetric key: `randomBytes` (from a CSPRNG, injected because core is pure) as standard base64.
 * Throws VergeError SAS_KEY_INVALID unless 16 to 64 bytes are given (IoT Hub's bounds; 32 is customary).
 */
export function generateSymmetricKey(randomBytes: Uint8Array): string {
  if (randomBytes.length < SYMMETRIC_KEY_MIN_BYTES || randomBytes.length > SYMMETRIC_KEY_MAX_BYTES) {
    throw new VergeError(
      'SAS_KEY_INVALID',
      `a symmetric key needs ${SYMMETRIC_KEY_MIN_BYTES} to ${SYMMETRIC_KEY_MAX_BYTES} random bytes, got ${randomBytes.length}`,
    );
  }
  return encodeBase64(randomBytes);
}

/** True when `keyB64` is base64 of 16 to 64 bytes, the symmetric keys IoT Hub accepts in its registry. */
export function isValidSymmetricKey(keyB64: string): boolean {
  const bytes = decodeBase64(keyB64);
  return bytes !== undefined && bytes.length >= SYMMETRIC_KEY_MIN_BYTES && bytes.length <= SYMMETRIC_KEY_MAX_BYTES;
}

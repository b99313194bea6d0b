import { randomBytes } from 'node:crypto';
import type { Device } from '@verge/api-client';
import { invalid } from './args.js';

/** `az iot hub device-identity renew-key --key-type`: which SAS key to regenerate, or swap the two. */
export const KEY_TYPES = ['primary', 'secondary', 'both', 'swap'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/**
 * The authentication of an identity (`who`, for the message) with new SAS keys as IoT Hub makes them (32 random
 * bytes, base64), or its two keys swapped. Throws CLI_ARGUMENT_INVALID naming `--renew-key` for an identity
 * without SAS keys.
 */
export function renewedSasKeys(auth: Device['authentication'], type: KeyType, who: string): Device['authentication'] {
  if (auth.type !== 'sas') throw invalid('--renew-key', `needs an identity with SAS keys; ${who} authenticates with ${auth.type}`);
  const fresh = (): string => randomBytes(32).toString('base64');
  const { primaryKey, secondaryKey } = auth.symmetricKey;
  const symmetricKey =
    type === 'swap'
      ? { primaryKey: secondaryKey, secondaryKey: primaryKey }
      : { primaryKey: type === 'secondary' ? primaryKey : fresh(), secondaryKey: type === 'primary' ? secondaryKey : fresh() };
  return { ...auth, symmetricKey };
}

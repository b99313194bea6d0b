import { isVergeError } from '@verge/contracts';
import { decodeKey } from './encoding.js';
import { hmacSha256Base64 } from './keys.js';
import { audienceMatches } from './sas-resource.js';
import { parseSasToken, type SasToken } from './sas-token.js';

/** Options of `verifySasToken`. */
export interface VerifySasTokenOptions {
  /** Candidate base64 keys (e.g. primary, secondary); `keyIndex` of the result says which one signed. */
  readonly keys: readonly string[];
  /** Decoded resources accepted (e.g. from `sasAudiences`: hub host and gateway host variants). */
  readonly audiences: readonly string[];
  /** The current time, Unix seconds. */
  readonly nowSec: number;
  /**
   * Grace period after `se`, seconds. Default 0. The IoT Hub service library edgeHub uses allows 5 minutes
   * (`SharedAccessSignatureConstants.MaxClockSkew`); pass `IOT_HUB_SAS_CLOCK_SKEW_SEC` to match it.
   */
  readonly clockSkewSec?: number;
}

/** The clock skew IoT Hub and edgeHub tolerate after a token's expiry, seconds. */
export const IOT_HUB_SAS_CLOCK_SKEW_SEC = 300;

/** Outcome of `verifySasToken`. */
export type SasVerification =
  | { readonly ok: true; readonly keyIndex: number; readonly token: SasToken }
  | { readonly ok: false; readonly reason: 'malformed' | 'expired' | 'audience' | 'signature'; readonly message: string };

/**
 * Verifies a SAS token as edgeHub does (reference §5.2): it must parse (`parseSasToken`), its decoded `sr` must
 * equal one of `audiences` (host case-insensitive, see `audienceMatches`), it must not be expired
 * (`se + clockSkewSec >= nowSec`), and its signature must equal base64 HMAC-SHA256(key, encoded `sr` + "\n" + `se`)
 * for one of `keys`, compared in constant time and checked against every key. Expected failures are results,
 * never throws; a key in `keys` that is not base64 is a programmer error and throws SAS_KEY_INVALID.
 */
export function verifySasToken(token: string, opts: VerifySasTokenOptions): SasVerification {
  let parsed: SasToken;
  try {
    parsed = parseSasToken(token);
  } catch (e) {
    if (isVergeError(e, 'SAS_TOKEN_MALFORMED')) return { ok: false, reason: 'malformed', message: e.message };
    throw e;
  }
  if (!opts.audiences.some((a) => audienceMatches(parsed.resource, a))) {
    return { ok: false, reason: 'audience', message: `SAS token audience '${parsed.resource}' is not accepted here` };
  }
  if (parsed.expirySec + (opts.clockSkewSec ?? 0) < opts.nowSec) {
    return { ok: false, reason: 'expired', message: `SAS token expired at ${parsed.expirySec} (now ${opts.nowSec})` };
  }
  const keyIndex = matchingKeyIndex(parsed, opts.keys);
  if (keyIndex < 0) {
    return { ok: false, reason: 'signature', message: 'SAS token signature does not match any key of the identity' };
  }
  return { ok: true, keyIndex, token: parsed };
}

function matchingKeyIndex(token: SasToken, keys: readonly string[]): number {
  let found = -1;
  keys.forEach((key, i) => {
    const expected = hmacSha256Base64(decodeKey(key, `key ${i}`), token.stringToSign);
    if (constantTimeEqual(expected, token.signature) && found < 0) found = i;
  });
  return found;
}

/**
 * Compares two strings in time that depends only on their lengths (the expected signature's length, 44, is
 * public), so a forger learns nothing from response timing.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const len = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < len; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

import { VergeError } from '@verge/contracts';
import { decodeKey, encodeUriComponentStrict } from './encoding.js';
import { hmacSha256Base64 } from './keys.js';

/** A parsed `SharedAccessSignature sr=…&sig=…&se=…[&skn=…]` token. */
export interface SasToken {
  /** The decoded resource (`sr`), e.g. `hub.example/devices/d1/modules/m1`. */
  readonly resource: string;
  /** `sr` exactly as it appears in the token; this, not a re-encoding, is what was signed. */
  readonly encodedResource: string;
  /** The decoded signature (base64 HMAC-SHA256). */
  readonly signature: string;
  /** Expiry (`se`), Unix seconds. */
  readonly expirySec: number;
  /** The decoded policy / key name (`skn`), when present. */
  readonly keyName?: string;
  /** `encodedResource + "\n" + se` as written in the token: the exact string the signature covers. */
  readonly stringToSign: string;
}

/** What `createSasToken` signs. */
export interface CreateSasTokenInput {
  /** The decoded resource, e.g. `hub.example/devices/d1` (see `deviceResource`, `moduleResource`). */
  readonly resource: string;
  /** The base64 shared access key. */
  readonly key: string;
  /** Expiry, Unix seconds (a positive integer). */
  readonly expirySec: number;
  /** Policy name (`skn`), for shared access policy tokens. */
  readonly keyName?: string;
}

const PREFIX = 'SharedAccessSignature ';

/**
 * Builds a SAS token exactly as the Node SDK does (azure-iot-common `SharedAccessSignature.create` fed with
 * `encodeUriComponentStrict(resource)`, azure-sdk-protocol.md §2): `sr` is the strictly encoded resource,
 * `sig` = strict-encoded base64 HMAC-SHA256(base64-decoded key, `sr + "\n" + se`), fields in the order
 * `sr, sig, skn, se`, `skn` only when `keyName` is non-empty. Throws VergeError SAS_KEY_INVALID or
 * SAS_PARAMETER_INVALID (empty resource, expiry not a positive integer).
 */
export function createSasToken(input: CreateSasTokenInput): string {
  if (input.resource === '') throw new VergeError('SAS_PARAMETER_INVALID', 'SAS resource is empty');
  if (!Number.isSafeInteger(input.expirySec) || input.expirySec <= 0) {
    throw new VergeError('SAS_PARAMETER_INVALID', `SAS expiry ${String(input.expirySec)} is not a positive integer number of seconds since the Unix epoch`);
  }
  const key = decodeKey(input.key);
  const sr = encodeUriComponentStrict(input.resource);
  const sig = encodeUriComponentStrict(hmacSha256Base64(key, `${sr}\n${input.expirySec}`));
  const skn = input.keyName ? `&skn=${encodeUriComponentStrict(input.keyName)}` : '';
  return `${PREFIX}sr=${sr}&sig=${sig}${skn}&se=${input.expirySec}`;
}

/**
 * A shared-access-policy token for the whole hub (`sr={hostName}`, `skn={policyName}`), as azure-iothub's
 * service clients build it from `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…`.
 */
export function createServiceSasToken(input: {
  readonly hostName: string;
  readonly policyName: string;
  readonly key: string;
  readonly expirySec: number;
}): string {
  if (input.policyName === '') throw new VergeError('SAS_PARAMETER_INVALID', 'shared access policy name is empty');
  return createSasToken({ resource: input.hostName, key: input.key, expirySec: input.expirySec, keyName: input.policyName });
}

const KNOWN_FIELDS = new Set(['sr', 'sig', 'se', 'skn']);

/**
 * Parses a SAS token with the rules of the IoT Hub service side (Microsoft.Azure.Devices `SharedAccessSignature`
 * parser used by edgeHub, reference §5.2): the exact prefix `SharedAccessSignature` and one space, no other
 * whitespace, `&`-separated `name=value` fields (names case-insensitive, empty fields skipped, unknown fields
 * ignored), `sr`, `sig` and `se` required and non-empty, `se` a non-negative integer, no field twice. `sr` is kept
 * as sent for signature checks and also percent-decoded. Throws VergeError SAS_TOKEN_MALFORMED naming what is
 * wrong; messages never echo the signature.
 */
export function parseSasToken(token: string): SasToken {
  if (!token.startsWith(PREFIX)) malformed(`a SAS token must start with '${PREFIX}' (the prefix is case-sensitive)`);
  const body = token.slice(PREFIX.length);
  const ws = body.search(/\s/);
  if (ws >= 0) malformed(`whitespace at offset ${PREFIX.length + ws}; only one space, after 'SharedAccessSignature', is allowed`);
  const fields = readFields(body);
  const missing = ['sr', 'sig', 'se'].filter((f) => !fields.has(f));
  if (missing.length > 0) malformed(`missing field${missing.length > 1 ? 's' : ''} ${missing.map((f) => `'${f}'`).join(', ')}`);
  const encodedResource = fields.get('sr') ?? '';
  const rawExpiry = fields.get('se') ?? '';
  const expirySec = /^\d+$/.test(rawExpiry) ? Number(rawExpiry) : Number.NaN;
  if (!Number.isSafeInteger(expirySec)) {
    malformed(`field 'se' ('${rawExpiry.slice(0, 32)}') is not a non-negative integer number of seconds since the Unix epoch`);
  }
  const skn = fields.get('skn');
  return {
    resource: decodeField('sr', encodedResource),
    encodedResource,
    signature: decodeField('sig', fields.get('sig') ?? ''),
    expirySec,
    ...(skn === undefined ? {} : { keyName: decodeField('skn', skn) }),
    stringToSign: `${encodedResource}\n${rawExpiry}`,
  };
}

function readFields(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const field of body.split('&')) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const name = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const shown = name.slice(0, 32);
    if (eq < 0) malformed(`field '${shown}' has no '=' (fields are name=value)`);
    if (!KNOWN_FIELDS.has(name)) continue;
    if (fields.has(name)) malformed(`duplicate field '${shown}'`);
    const value = field.slice(eq + 1);
    if (value === '') malformed(`field '${shown}' is empty`);
    fields.set(name, value);
  }
  return fields;
}

function decodeField(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return malformed(`field '${name}' is not valid percent-encoding`);
  }
}

function malformed(rule: string): never {
  throw new VergeError('SAS_TOKEN_MALFORMED', `malformed SAS token: ${rule}`, { details: { rule } });
}

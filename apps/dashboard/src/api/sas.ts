/**
 * Service SAS tokens signed in the browser with WebCrypto, in the format azure-iothub and @verge/api-client use
 * (packages/core/src/identity/sas-token.ts): `SharedAccessSignature sr={hostName}&sig={HMAC-SHA256}&skn={policy}&se={expiry}`,
 * `sr`, `sig` and `skn` encoded like azure-iot-common's `encodeUriComponentStrict`. The key never leaves the page:
 * only the token is kept (sessionStorage), so a stolen tab state expires with the token.
 */

/** The parts of a service (shared access policy) connection string a token is signed with. */
export interface ServiceCredentials {
  readonly hostName: string;
  readonly policyName: string;
  readonly key: string;
}

/**
 * Parses `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…`. Throws an Error naming what is missing or wrong
 * (a device connection string, an empty key), never echoing the key.
 */
export function parseServiceConnectionString(text: string): ServiceCredentials {
  const fields = new Map<string, string>();
  for (const part of text.trim().split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`connection string: '${part.slice(0, 30)}' is not Name=value`);
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  if (fields.has('DeviceId')) throw new Error('connection string: this is a device connection string; sign in with a service (shared access policy) connection string');
  const hostName = fields.get('HostName');
  const policyName = fields.get('SharedAccessKeyName');
  const key = fields.get('SharedAccessKey');
  const missing = [hostName ? undefined : 'HostName', policyName ? undefined : 'SharedAccessKeyName', key ? undefined : 'SharedAccessKey'].filter((m) => m !== undefined);
  if (missing.length > 0 || hostName === undefined || policyName === undefined || key === undefined) {
    throw new Error(`connection string: ${missing.join(', ')} missing (expected HostName=…;SharedAccessKeyName=…;SharedAccessKey=…)`);
  }
  if (decodeBase64(key) === undefined) throw new Error('connection string: SharedAccessKey is not valid base64');
  return { hostName, policyName, key };
}

/** `encodeURIComponent` plus `! ' ( ) *` as lowercase `%xx`, byte for byte as azure-iot-common. */
export function encodeUriComponentStrict(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

/** A service SAS token for `credentials`, valid until `expirySec` (Unix seconds). */
export async function serviceSasToken(credentials: ServiceCredentials, expirySec: number): Promise<string> {
  const keyBytes = decodeBase64(credentials.key);
  if (keyBytes === undefined || keyBytes.length === 0) throw new Error('connection string: SharedAccessKey is not valid base64');
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const sr = encodeUriComponentStrict(credentials.hostName);
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${sr}\n${expirySec}`)));
  const sig = encodeUriComponentStrict(btoa(String.fromCharCode(...signature)));
  return `SharedAccessSignature sr=${sr}&sig=${sig}&skn=${encodeUriComponentStrict(credentials.policyName)}&se=${expirySec}`;
}

/** A pasted token's expiry (`se`, Unix seconds). Throws an Error naming the problem when it is not a SAS token. */
export function tokenExpirySec(token: string): number {
  const prefix = 'SharedAccessSignature ';
  if (!token.startsWith(prefix)) throw new Error(`token: a SAS token starts with '${prefix.trim()}'`);
  const fields = new URLSearchParams(token.slice(prefix.length));
  for (const name of ['sr', 'sig', 'se']) if (!fields.get(name)) throw new Error(`token: the '${name}' field is missing`);
  const se = Number(fields.get('se'));
  if (!Number.isSafeInteger(se) || se <= 0) throw new Error("token: 'se' is not a Unix time in seconds");
  return se;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

import { createSasToken, createServiceSasToken, deviceResource, moduleResource } from '@verge/core';

// SAS tokens for the security suite: legitimate ones, and the forgeries an attacker would try (a token signed for
// other fields than it carries), built with the same core functions the SDKs' tokens are checked with.

/** Now, Unix seconds. */
export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

/** What an identity token names and is signed with. */
export interface IdentityTokenInput {
  /** The host in `sr` (the IoT hub's host name for a real token). */
  readonly host: string;
  readonly deviceId: string;
  readonly moduleId?: string;
  /** Base64 key that signs. */
  readonly key: string;
  /** Default: an hour from now. */
  readonly expirySec?: number;
}

/** `SharedAccessSignature sr={host}/devices/{d}[/modules/{m}]&sig=…&se=…`, as the Azure SDK builds it. */
export function identityToken(i: IdentityTokenInput): string {
  const resource = i.moduleId === undefined ? deviceResource(i.host, i.deviceId) : moduleResource(i.host, i.deviceId, i.moduleId);
  return createSasToken({ resource, key: i.key, expirySec: i.expirySec ?? nowSec() + 3600 });
}

/** A shared access policy token (`sr={host}&skn={policy}`), as azure-iothub builds it. */
export function policyToken(host: string, policyName: string, key: string, expirySec = nowSec() + 3600): string {
  return createServiceSasToken({ hostName: host, policyName, key, expirySec });
}

/**
 * `token` with one field's value replaced and the signature left as it was: a token whose signature was made for
 * different fields (`se` pushed into the future, `sr` pointed at another identity).
 */
export function withField(token: string, field: 'sr' | 'se' | 'skn', value: string): string {
  const [prefix = '', body = ''] = token.split(' ');
  const fields = body.split('&').map((f) => (f.startsWith(`${field}=`) ? `${field}=${encodeURIComponent(value)}` : f));
  return `${prefix} ${fields.join('&')}`;
}

/** The fields of a `;`-separated connection string (`HostName`, `SharedAccessKeyName`, …). */
export function connectionStringFields(cs: string): Record<string, string> {
  return Object.fromEntries(cs.split(';').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

/** A base64 key nobody registered (32 bytes of 0x42). */
export const FOREIGN_KEY = Buffer.alloc(32, 0x42).toString('base64');

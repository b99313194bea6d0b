import { IOT_HUB_SAS_CLOCK_SKEW_SEC, deviceResource, moduleResource, verifySasToken } from '@verge/core';
import { thumbprintMatches, thumbprintsOfDer } from '@verge/platform';
import type { AuthRecord, DeviceEndpointServices, IdentityRef } from '../services/types.js';
import { claimIdentity } from './connect-credentials.js';

/** The client certificate presented in the TLS handshake (already proven: the client signed with its key). */
export interface PeerCertificate {
  readonly der: Uint8Array;
  readonly validFromMs: number;
  readonly validToMs: number;
}

/** What a CONNECT presents. */
export interface ConnectCredentials {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Uint8Array | undefined;
  readonly peerCertificate: PeerCertificate | undefined;
}

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3 used by the endpoint. */
export const ConnackCode = {
  accepted: 0,
  unacceptableProtocol: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badCredentials: 4,
  notAuthorized: 5,
} as const;

export type AuthResult =
  | {
      readonly ok: true;
      readonly identity: IdentityRef;
      readonly clientId: string;
      readonly method: 'sas' | 'x509';
      /** SAS only: when the token stops being valid (expiry + tolerated skew); the connection is closed then. */
      readonly validUntilMs?: number;
    }
  | { readonly ok: false; readonly returnCode: 2 | 4 | 5; readonly reason: string };

/**
 * Authenticates a CONNECT as IoT Hub does. The user name must name the client id and this hub (`hostNames`:
 * the hub host name, with and without the listening port, reference §1). Unknown or disabled identities get
 * CONNACK 5; a bad user name, token or certificate gets 4; a malformed client id 2. SAS: the password is a token
 * for `{host}/devices/{d}[/modules/{m}]` signed with the identity's primary or secondary key (edgeHub's 5-minute
 * clock skew tolerated). Self-signed X.509: the client certificate's SHA-1 or SHA-256 thumbprint equals the
 * registered primary or secondary one and the certificate is within its validity period.
 */
export function authenticate(
  creds: ConnectCredentials,
  ctx: { readonly services: DeviceEndpointServices; readonly hostNames: readonly string[]; readonly nowMs: number },
): AuthResult {
  const claim = claimIdentity(creds.clientId, creds.username);
  if (!claim.ok) {
    return { ok: false, returnCode: claim.message.startsWith('client id') ? 2 : 4, reason: claim.message };
  }
  const { identity, clientId, hostName } = claim.value;
  if (!ctx.hostNames.some((h) => h.toLowerCase() === hostName.toLowerCase())) {
    return { ok: false, returnCode: 4, reason: `user name names hub '${hostName}', this hub is '${ctx.hostNames[0] ?? ''}'` };
  }
  const record = ctx.services.getAuthRecord(identity);
  if (record === undefined) return { ok: false, returnCode: 5, reason: `${describe(identity)} is not registered` };
  if (record.status !== 'enabled') return { ok: false, returnCode: 5, reason: `${describe(identity)} is disabled` };
  const checked = checkCredentials(record, creds, ctx);
  if (!checked.ok) return checked;
  return { ok: true, identity, clientId, ...checked.value };
}

type CredentialCheck =
  | { readonly ok: true; readonly value: { readonly method: 'sas' | 'x509'; readonly validUntilMs?: number } }
  | { readonly ok: false; readonly returnCode: 4 | 5; readonly reason: string };

function checkCredentials(
  record: AuthRecord,
  creds: ConnectCredentials,
  ctx: { readonly hostNames: readonly string[]; readonly nowMs: number },
): CredentialCheck {
  const auth = record.authentication;
  switch (auth.type) {
    case 'sas':
      return checkSas(record, [auth.primaryKey, auth.secondaryKey], creds, ctx);
    case 'selfSigned':
      return checkThumbprint(record, [auth.primaryThumbprint, auth.secondaryThumbprint], creds, ctx.nowMs);
    case 'certificateAuthority':
      return { ok: false, returnCode: 5, reason: `${describe(record)} uses CA-signed X.509 authentication, which this cloud does not support` };
    default: {
      const never: never = auth;
      return { ok: false, returnCode: 5, reason: `unknown authentication type ${JSON.stringify(never)}` };
    }
  }
}

function checkSas(
  id: IdentityRef,
  keys: readonly string[],
  creds: ConnectCredentials,
  ctx: { readonly hostNames: readonly string[]; readonly nowMs: number },
): CredentialCheck {
  if (creds.password === undefined || creds.password.length === 0) {
    return { ok: false, returnCode: 4, reason: `${describe(id)} authenticates with a SAS token, but CONNECT has no password` };
  }
  const audiences = ctx.hostNames.map((h) => (id.moduleId === undefined ? deviceResource(h, id.deviceId) : moduleResource(h, id.deviceId, id.moduleId)));
  const result = verifySasToken(Buffer.from(creds.password).toString('utf8'), {
    keys: keys.filter((k) => k !== ''),
    audiences,
    nowSec: Math.floor(ctx.nowMs / 1000),
    clockSkewSec: IOT_HUB_SAS_CLOCK_SKEW_SEC,
  });
  if (!result.ok) return { ok: false, returnCode: 4, reason: result.message };
  return { ok: true, value: { method: 'sas', validUntilMs: (result.token.expirySec + IOT_HUB_SAS_CLOCK_SKEW_SEC) * 1000 } };
}

function checkThumbprint(id: IdentityRef, registered: readonly string[], creds: ConnectCredentials, nowMs: number): CredentialCheck {
  const cert = creds.peerCertificate;
  if (cert === undefined) {
    return { ok: false, returnCode: 4, reason: `${describe(id)} authenticates with an X.509 certificate, but the client presented none` };
  }
  if (nowMs < cert.validFromMs || nowMs > cert.validToMs) {
    return { ok: false, returnCode: 4, reason: `the client certificate of ${describe(id)} is outside its validity period` };
  }
  const actual = thumbprintsOfDer(cert.der);
  if (!registered.some((t) => t !== '' && thumbprintMatches(t, actual))) {
    return { ok: false, returnCode: 4, reason: `client certificate thumbprint ${actual.sha1} is not registered for ${describe(id)}` };
  }
  return { ok: true, value: { method: 'x509' } };
}

/** `device 'd'` or `module 'd/m'`, for messages. */
export function describe(id: IdentityRef): string {
  return id.moduleId === undefined ? `device '${id.deviceId}'` : `module '${id.deviceId}/${id.moduleId}'`;
}

import { IOT_HUB_SAS_CLOCK_SKEW_SEC, deviceResource, moduleResource, sasAudiences, verifySasToken, type ClientIdentity } from '@verge/core';
import { thumbprintMatches, thumbprintsOfDer, type TlsPeerCertificate } from '@verge/platform';
import { claimIdentity } from './connect-credentials.js';
import { describeIdentity, type MqttAuthRecord } from './types.js';

/** The client certificate presented in the TLS handshake (already proven: the client signed with its key). */
export type PeerCertificate = TlsPeerCertificate;

/** What a CONNECT presents. */
export interface ConnectCredentials {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Uint8Array | undefined;
  readonly peerCertificate: PeerCertificate | undefined;
  /** The local port the client connected to (`StreamMeta.localPort`), when known. */
  readonly localPort?: number | undefined;
}

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3 used by the servers. */
export const ConnackCode = {
  accepted: 0,
  unacceptableProtocol: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badCredentials: 4,
  notAuthorized: 5,
} as const;

/** Outcome of authenticating a CONNECT. */
export type AuthResult =
  | {
      readonly ok: true;
      readonly identity: ClientIdentity;
      readonly clientId: string;
      readonly method: 'sas' | 'x509';
      /** SAS only: when the token stops being valid (expiry + tolerated skew); the connection is closed then. */
      readonly validUntilMs?: number;
    }
  | { readonly ok: false; readonly returnCode: 2 | 3 | 4 | 5; readonly reason: string };

/** What a registry lookup answers: the record of an identity, or undefined when it is not registered. */
export type AuthLookupResult = MqttAuthRecord | undefined;

/**
 * Options of {@link authenticateConnect}. `L` is what `lookup` returns: a record (the edge hub, from memory), or a
 * promise of one (the cloud, from its database).
 */
export interface AuthenticateOptions<L extends AuthLookupResult | Promise<AuthLookupResult> = AuthLookupResult> {
  /** The registry record of an identity; undefined when it is not registered. */
  readonly lookup: (identity: ClientIdentity) => L;
  /**
   * Host names the user name must start with (IoT Hub: its own name, with and without the port, reference
   * azure-sdk-protocol.md §1). Undefined: not checked (edgeHub does not validate it, azure-iot-edge.md §5.2).
   */
  readonly usernameHosts?: readonly string[];
  /** Hosts a SAS token's resource may name (IoT Hub: its own; edgeHub: the IoT hub or the gateway, §5.2). */
  readonly audienceHosts: readonly string[];
  /**
   * Accept `{host}/devices/{d}` as the audience of a module token too (edgeHub `ValidateAudienceIds` only checks
   * the device id when the audience names no module, §5.2). IoT Hub requires the module's own resource.
   */
  readonly moduleMayUseDeviceAudience?: boolean;
  readonly nowMs: number;
  /** How messages name the server (`this cloud`, `this edge hub`); default `this server`. */
  readonly serverName?: string;
}

/**
 * Authenticates a CONNECT as IoT Hub and edgeHub do. The user name must name the client id (and, when
 * `usernameHosts` is given, one of those hosts). Unknown or disabled identities get CONNACK 5; a bad user name,
 * token or certificate gets 4; a malformed client id 2. SAS: the password is a token for one of the identity's
 * audiences signed with its primary or secondary key (edgeHub's 5-minute clock skew tolerated). Self-signed
 * X.509: the client certificate's SHA-1 or SHA-256 thumbprint equals the registered primary or secondary one and
 * the certificate is within its validity period. CA-signed X.509 is refused (CONNACK 5). With a `lookup` that
 * answers synchronously the result is synchronous; with one that returns a promise, a promise (rejected when the
 * lookup rejects), except for refusals decided before the lookup (a malformed client id or user name).
 */
export function authenticateConnect(creds: ConnectCredentials, opts: AuthenticateOptions): AuthResult;
export function authenticateConnect(
  creds: ConnectCredentials,
  opts: AuthenticateOptions<AuthLookupResult | Promise<AuthLookupResult>>,
): AuthResult | Promise<AuthResult>;
export function authenticateConnect(
  creds: ConnectCredentials,
  opts: AuthenticateOptions<AuthLookupResult | Promise<AuthLookupResult>>,
): AuthResult | Promise<AuthResult> {
  const claim = claimIdentity(creds.clientId, creds.username);
  if (!claim.ok) {
    return { ok: false, returnCode: claim.message.startsWith('client id') ? 2 : 4, reason: claim.message };
  }
  const { identity, clientId, hostName } = claim.value;
  const hosts = opts.usernameHosts;
  if (hosts !== undefined && !hosts.some((h) => h.toLowerCase() === hostName.toLowerCase())) {
    return { ok: false, returnCode: 4, reason: `user name names hub '${hostName}', this hub is '${hosts[0] ?? ''}'` };
  }
  const record = opts.lookup(identity);
  if (record instanceof Promise) return record.then((r) => checkRecord(r, identity, clientId, creds, opts));
  return checkRecord(record, identity, clientId, creds, opts);
}

function checkRecord(record: AuthLookupResult, identity: ClientIdentity, clientId: string, creds: ConnectCredentials, opts: CheckOptions): AuthResult {
  if (record === undefined) return { ok: false, returnCode: 5, reason: `${describeIdentity(identity)} is not registered` };
  if (record.status !== 'enabled') return { ok: false, returnCode: 5, reason: `${describeIdentity(identity)} is disabled` };
  const checked = checkCredentials(record, creds, opts);
  if (!checked.ok) return checked;
  return { ok: true, identity, clientId, ...checked.value };
}

/** What checking credentials reads of the options (not the lookup). */
type CheckOptions = Omit<AuthenticateOptions, 'lookup'>;

type CredentialCheck =
  | { readonly ok: true; readonly value: { readonly method: 'sas' | 'x509'; readonly validUntilMs?: number } }
  | { readonly ok: false; readonly returnCode: 4 | 5; readonly reason: string };

function checkCredentials(record: MqttAuthRecord, creds: ConnectCredentials, opts: CheckOptions): CredentialCheck {
  const auth = record.authentication;
  switch (auth.type) {
    case 'sas':
      return checkSas(record, [auth.primaryKey, auth.secondaryKey], creds, opts);
    case 'selfSigned':
      return checkThumbprint(record, [auth.primaryThumbprint, auth.secondaryThumbprint], creds, opts.nowMs);
    case 'certificateAuthority':
      return { ok: false, returnCode: 5, reason: `${describeIdentity(record)} uses CA-signed X.509 authentication, which ${opts.serverName ?? 'this server'} does not support` };
    default: {
      const never: never = auth;
      return { ok: false, returnCode: 5, reason: `unknown authentication type ${JSON.stringify(never)}` };
    }
  }
}

/** The resources a token of `id` may name. */
export function tokenAudiences(id: ClientIdentity, hosts: readonly string[], moduleMayUseDeviceAudience: boolean): string[] {
  if (moduleMayUseDeviceAudience) return sasAudiences({ hostNames: hosts, deviceId: id.deviceId, ...(id.moduleId === undefined ? {} : { moduleId: id.moduleId }) });
  return hosts.map((h) => (id.moduleId === undefined ? deviceResource(h, id.deviceId) : moduleResource(h, id.deviceId, id.moduleId)));
}

function checkSas(id: ClientIdentity, keys: readonly string[], creds: ConnectCredentials, opts: CheckOptions): CredentialCheck {
  if (creds.password === undefined || creds.password.length === 0) {
    return { ok: false, returnCode: 4, reason: `${describeIdentity(id)} authenticates with a SAS token, but CONNECT has no password` };
  }
  const result = verifySasToken(Buffer.from(creds.password).toString('utf8'), {
    keys: keys.filter((k) => k !== ''),
    audiences: tokenAudiences(id, opts.audienceHosts, opts.moduleMayUseDeviceAudience === true),
    nowSec: Math.floor(opts.nowMs / 1000),
    clockSkewSec: IOT_HUB_SAS_CLOCK_SKEW_SEC,
  });
  if (!result.ok) return { ok: false, returnCode: 4, reason: result.message };
  return { ok: true, value: { method: 'sas', validUntilMs: (result.token.expirySec + IOT_HUB_SAS_CLOCK_SKEW_SEC) * 1000 } };
}

function checkThumbprint(id: ClientIdentity, registered: readonly string[], creds: ConnectCredentials, nowMs: number): CredentialCheck {
  const cert = creds.peerCertificate;
  if (cert === undefined) {
    return { ok: false, returnCode: 4, reason: `${describeIdentity(id)} authenticates with an X.509 certificate, but the client presented none` };
  }
  if (nowMs < cert.validFromMs || nowMs > cert.validToMs) {
    return { ok: false, returnCode: 4, reason: `the client certificate of ${describeIdentity(id)} is outside its validity period` };
  }
  const actual = thumbprintsOfDer(cert.der);
  if (!registered.some((t) => t !== '' && thumbprintMatches(t, actual))) {
    return { ok: false, returnCode: 4, reason: `client certificate thumbprint ${actual.sha1} is not registered for ${describeIdentity(id)}` };
  }
  return { ok: true, value: { method: 'x509' } };
}

import { VergeError, type ErrorCode } from '@verge/contracts';
import { IOT_HUB_SAS_CLOCK_SKEW_SEC, parseSasResource, parseSasToken, verifySasToken, type SasResource, type SasToken, type ClientIdentity } from '@verge/core';
import { isSystemModuleId } from '../services/edge-modules.js';
import type { AuthRecord } from '../services/types.js';
import type { PolicyRecord, PolicyRight } from '../store/records.js';
import { assertRight, authenticateService } from './service-auth.js';

/**
 * Who made a request: a shared access policy, or an IoT Edge device on one of its device-scoped routes.
 * `acceptedUntilMs`: the first moment its token is refused (past `se` plus IoT Hub's clock skew); what a long
 * request such as an event stream may not outlive.
 */
export type Caller = (
  | { readonly kind: 'service'; readonly policy: PolicyRecord }
  | { readonly kind: 'edgeDevice'; readonly deviceId: string }
) & { readonly acceptedUntilMs: number };

/** The route being called, as the authentication needs it. */
export interface CalledRoute {
  /** `GET /devices/{id}/modules`: how messages name the route. */
  readonly label: string;
  readonly right: PolicyRight;
  readonly deviceAccess: boolean;
  /** The `:id` path parameter (the device the route acts on), when the route has one. */
  readonly deviceId: string | undefined;
}

/** What `authenticateCaller` needs. */
export interface CallerAuthOptions {
  readonly hostName: string;
  readonly nowSec: number;
  readonly findPolicy: (name: string) => Promise<PolicyRecord | undefined>;
  readonly findIdentity: (id: ClientIdentity) => Promise<AuthRecord | undefined>;
  /** Labels of the routes open to device tokens, for the refusal message. */
  readonly deviceRoutes: readonly string[];
}

/**
 * Authenticates a request. A token naming a policy (`skn`) is a service token (`authenticateService`, then the
 * route's right). A token without `skn` whose resource is a device or module (`sr={host}/devices/{d}[/modules/{m}]`)
 * is an identity token: accepted only from an IoT Edge device, or its `$edgeAgent`/`$edgeHub` module (the edge hub
 * calls IoT Hub's scope API as `$edgeHub`), on the device-scoped routes of its own device (docs/edge-cloud.md),
 * signed with that identity's primary or secondary key; CLD_AUTH_SCOPE_DENIED names the route otherwise. Anything
 * else fails as `authenticateService` says.
 */
export async function authenticateCaller(header: string | undefined, route: CalledRoute, opts: CallerAuthOptions): Promise<Caller> {
  const token = tryParse(header);
  const resource = token === undefined || token.keyName !== undefined ? undefined : parseSasResource(token.resource);
  if (token !== undefined && (resource?.kind === 'device' || resource?.kind === 'module')) {
    return { kind: 'edgeDevice', deviceId: await authenticateEdgeIdentity(header ?? '', token, resource, route, opts), acceptedUntilMs: acceptedUntilMs(token) };
  }
  const policy = await authenticateService(header, opts);
  assertRight(policy, route.right);
  // authenticateService accepted the header, so it parsed.
  return { kind: 'service', policy, acceptedUntilMs: token === undefined ? opts.nowSec * 1000 : acceptedUntilMs(token) };
}

/**
 * The first moment a token is refused: verifySasToken accepts it while the current whole second is at most `se` plus
 * IoT Hub's clock skew.
 */
function acceptedUntilMs(token: SasToken): number {
  return (token.expirySec + IOT_HUB_SAS_CLOCK_SKEW_SEC + 1) * 1000;
}

async function authenticateEdgeIdentity(
  header: string,
  token: SasToken,
  resource: Extract<SasResource, { kind: 'device' | 'module' }>,
  route: CalledRoute,
  opts: CallerAuthOptions,
): Promise<string> {
  const { deviceId } = resource;
  const moduleId = resource.kind === 'module' ? resource.moduleId : undefined;
  const who = moduleId === undefined ? `device '${deviceId}'` : `module '${deviceId}/${moduleId}'`;
  // Host names compare case-insensitively (DNS), as in audienceMatches.
  if (resource.hostName.toLowerCase() !== opts.hostName.toLowerCase()) {
    throw fail('CLD_AUTH_AUDIENCE_INVALID', `the token's resource (sr) '${token.resource}' names host '${resource.hostName}', not this hub '${opts.hostName}'`, {
      resource: token.resource,
    });
  }
  const allowed = `identity tokens are accepted only from an IoT Edge device (or its $edgeAgent and $edgeHub modules) on ${opts.deviceRoutes.join(', ')} of that device`;
  const denied = (message: string): VergeError => fail('CLD_AUTH_SCOPE_DENIED', `${message}; ${allowed}`, { route: route.label, deviceId });
  if (!route.deviceAccess) throw denied(`${route.label} needs a shared access policy token, not the token of ${who}`);
  if (route.deviceId !== deviceId) throw denied(`the token of ${who} cannot call ${route.label} for device '${route.deviceId ?? ''}'`);
  if (moduleId !== undefined && !isSystemModuleId(moduleId)) throw denied(`${route.label} refuses the token of ${who}`);
  const record = await opts.findIdentity(moduleId === undefined ? { deviceId } : { deviceId, moduleId });
  if (record === undefined) throw fail('CLD_AUTH_DEVICE_INVALID', `${who} named by the token is not registered`, { deviceId });
  if (record.authentication.type !== 'sas') {
    throw fail('CLD_AUTH_DEVICE_INVALID', `${who} authenticates with ${record.authentication.type} certificates and has no key to sign a SAS token with`, {
      deviceId,
    });
  }
  verifySignature(header, token, who, record.authentication, opts);
  if (record.status !== 'enabled') throw fail('CLD_AUTH_DEVICE_INVALID', `device '${deviceId}' is disabled`, { deviceId });
  if (!record.isEdge) throw denied(`device '${deviceId}' is not an IoT Edge device`);
  return deviceId;
}

/** Verifies an identity token's signature with the identity's keys; throws the CLD_AUTH_* code of the failure. */
export function verifySignature(header: string, token: SasToken, who: string, keys: Extract<AuthRecord['authentication'], { type: 'sas' }>, opts: CallerAuthOptions): void {
  const result = verifySasToken(header.trim(), {
    keys: [keys.primaryKey, keys.secondaryKey],
    // The resource was checked against this hub's host above; ids compare exactly (audienceMatches).
    audiences: [token.resource],
    nowSec: opts.nowSec,
    clockSkewSec: IOT_HUB_SAS_CLOCK_SKEW_SEC,
  });
  if (result.ok) return;
  switch (result.reason) {
    case 'malformed':
      throw fail('CLD_AUTH_MALFORMED', result.message);
    case 'audience':
      throw fail('CLD_AUTH_AUDIENCE_INVALID', `the token's resource (sr) '${token.resource}' is not accepted here`, { resource: token.resource });
    case 'expired':
      throw fail('CLD_AUTH_EXPIRED', `the token expired at ${new Date(token.expirySec * 1000).toISOString()} (se=${token.expirySec})`, { expiredAt: token.expirySec });
    case 'signature':
      throw fail('CLD_AUTH_SIGNATURE_INVALID', `the token's signature does not match a key of ${who} (wrong key, or the token was altered)`, { identity: who });
    default:
      return assertNever(result.reason);
  }
}

function tryParse(header: string | undefined): SasToken | undefined {
  if (header === undefined) return undefined;
  try {
    return parseSasToken(header.trim());
  } catch {
    return undefined; // authenticateService reports it
  }
}

function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): VergeError {
  return new VergeError(code, message, details === undefined ? {} : { details });
}

function assertNever(x: never): never {
  throw new Error(`unexpected reason ${String(x)}`);
}

import type { ClientIdentity } from '@verge/core';

/** The identity and API version a CONNECT claims (before authentication). */
export interface ClaimedIdentity {
  readonly identity: ClientIdentity;
  readonly clientId: string;
  readonly apiVersion: string;
  /** The host name at the start of the user name (may carry `:port`, reference §1). */
  readonly hostName: string;
}

export type ClaimResult = { readonly ok: true; readonly value: ClaimedIdentity } | { readonly ok: false; readonly message: string };

/** Splits a client id: `{deviceId}` or `{deviceId}/{moduleId}` (reference §2). */
export function parseClientId(clientId: string): ClientIdentity | undefined {
  const parts = clientId.split('/');
  if (parts.some((p) => p === '') || parts.length > 2) return undefined;
  const [deviceId = '', moduleId] = parts;
  return moduleId === undefined ? { deviceId } : { deviceId, moduleId };
}

/**
 * Checks the CONNECT user name against the client id, as IoT Hub does: `{host}/{clientId}/?api-version=…[&…]`
 * (the SDK's form, reference §2), or `{host}/{clientId}/api-version=…` (older clients put the query in the last
 * segment without `?`). The ids in the user name must equal the client id, and `api-version` must be present.
 */
export function claimIdentity(clientId: string, username: string | undefined): ClaimResult {
  const identity = parseClientId(clientId);
  if (identity === undefined) return fail(`client id '${clientId}' is not '{deviceId}' or '{deviceId}/{moduleId}'`);
  if (username === undefined || username === '') return fail('user name is missing; expected \'{host}/{clientId}/?api-version=…\'');
  const split = splitUsername(username, clientId);
  if (split === undefined) return fail(`user name '${username}' has no '?api-version=' query; expected '{host}/{clientId}/?api-version=…'`);
  const segments = split.path.split('/');
  const [hostName = '', ...ids] = segments;
  if (hostName === '') return fail(`user name '${username}' does not start with the hub host name`);
  if (ids.join('/') !== clientId) return fail(`user name '${username}' names '${ids.join('/')}', not the client id '${clientId}'`);
  const apiVersion = new URLSearchParams(split.query).get('api-version');
  if (apiVersion === null || apiVersion === '') return fail(`user name '${username}' has no api-version; expected '?api-version=…'`);
  return { ok: true, value: { identity, clientId, apiVersion, hostName } };
}

/**
 * Path and query of a user name. The query starts at the `/?` right after the client id: ids may themselves contain
 * `?` (the registry allows it), so a `/?` inside `/?d/…` (device `?d`) or `/d/?m/…` (module `?m`) is not the query.
 */
function splitUsername(username: string, clientId: string): { path: string; query: string } | undefined {
  const afterClientId = username.indexOf(`/${clientId}/?`);
  const q = afterClientId >= 0 ? afterClientId + clientId.length + 1 : username.indexOf('/?');
  if (q >= 0) return { path: username.slice(0, q), query: username.slice(q + 2) };
  const slash = username.lastIndexOf('/');
  const last = username.slice(slash + 1);
  if (slash < 0 || !last.includes('api-version=')) return undefined;
  return { path: username.slice(0, slash), query: last };
}

function fail(message: string): ClaimResult {
  return { ok: false, message };
}

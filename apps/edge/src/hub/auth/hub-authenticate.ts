import { deriveModuleKey, type ClientIdentity } from '@verge/core';
import { authenticateConnect, claimIdentity, type AuthResult, type ConnectCredentials, type MqttAuthRecord } from '@verge/iothub-mqtt';
import type { ScopeIdentity } from '../scope/scope-identity.js';

/** The module id of the edge hub itself: it never connects to itself. */
export const EDGE_HUB_MODULE_ID = '$edgeHub';

/** What the hub knows to decide a CONNECT. */
export interface HubAuthContext {
  /** This edge device's id: modules are `{edgeDeviceId}/{moduleId}`. */
  readonly edgeDeviceId: string;
  /** The edge device's symmetric key (base64); module keys derive from it (reference §11.4). */
  readonly deviceKey: string;
  /** The generation of a deployed module (from the agent); undefined when no such module is deployed. */
  readonly resolveModule: (moduleId: string) => { readonly generationId: string } | undefined;
  /** A leaf device of this edge device's scope (from the cached device scope). */
  readonly leaf: (deviceId: string) => ScopeIdentity | undefined;
  /** Hosts a SAS token may name: the IoT hub host name and the gateway host name(s) (reference §5.2). */
  readonly audienceHosts: readonly string[];
  readonly nowMs: number;
}

/**
 * Decides a CONNECT to the edge hub (reference azure-iot-edge.md §5.2, §11.1; iotedge DeviceScopeTokenAuthenticator):
 * - a module (`{edge}/{m}`) of THIS edge device that the agent deployed authenticates with a SAS token signed with
 *   its key derived from the device key (`deriveModuleKey(deviceKey, m, generationId, 'primary'|'secondary')`);
 *   the token may name the module or its device, on the IoT hub or the gateway host;
 * - a leaf device must be in the cached device scope (a child of this edge device), enabled, and present its SAS
 *   token or self-signed certificate; it is authenticated offline from the cache;
 * - the user name's host is not checked (edgeHub does not); the ids in it must match the client id.
 * Refusals: CONNACK 5 for identities this hub does not serve (other devices' modules, the edge device itself,
 * `$edgeHub`, undeployed modules, devices outside the scope), 4 for bad credentials, 2 for a malformed client id.
 */
export function authenticateHubClient(creds: ConnectCredentials, ctx: HubAuthContext): AuthResult {
  const claim = claimIdentity(creds.clientId, creds.username);
  if (claim.ok) {
    const refusal = servedHere(claim.value.identity, ctx) ?? unknownHere(claim.value.identity, ctx);
    if (refusal !== undefined) return { ok: false, returnCode: 5, reason: refusal };
  }
  return authenticateConnect(creds, {
    lookup: (id) => lookup(id, ctx),
    audienceHosts: ctx.audienceHosts,
    moduleMayUseDeviceAudience: true,
    nowMs: ctx.nowMs,
    serverName: 'this edge hub',
  });
}

/** Why this hub does not serve `id` at all, or undefined when it may. */
export function servedHere(id: ClientIdentity, ctx: Pick<HubAuthContext, 'edgeDeviceId'>): string | undefined {
  if (id.moduleId !== undefined) {
    if (id.deviceId !== ctx.edgeDeviceId) {
      return `module '${id.deviceId}/${id.moduleId}' belongs to device '${id.deviceId}'; this edge hub serves the modules of '${ctx.edgeDeviceId}'`;
    }
    if (id.moduleId === EDGE_HUB_MODULE_ID) return `'${EDGE_HUB_MODULE_ID}' is the edge hub itself and cannot connect to it`;
    return undefined;
  }
  if (id.deviceId === ctx.edgeDeviceId) {
    return `the edge device '${id.deviceId}' cannot connect to its own hub as a leaf device; its modules connect as '${id.deviceId}/{moduleId}'`;
  }
  return undefined;
}

function unknownHere(id: ClientIdentity, ctx: HubAuthContext): string | undefined {
  if (id.moduleId !== undefined) {
    return ctx.resolveModule(id.moduleId) === undefined ? `module '${id.deviceId}/${id.moduleId}' is not deployed on this edge device` : undefined;
  }
  if (ctx.leaf(id.deviceId) !== undefined) return undefined;
  return `device '${id.deviceId}' is not in the device scope of edge device '${ctx.edgeDeviceId}' (not a child of it, or the scope has not been synced from the cloud yet)`;
}

function lookup(id: ClientIdentity, ctx: HubAuthContext): MqttAuthRecord | undefined {
  if (id.moduleId !== undefined) {
    const keys = moduleKeys(ctx, id.moduleId);
    if (keys === undefined) return undefined;
    return { deviceId: id.deviceId, moduleId: id.moduleId, status: 'enabled', authentication: { type: 'sas', ...keys } };
  }
  const leaf = ctx.leaf(id.deviceId);
  if (leaf === undefined) return undefined;
  return { deviceId: leaf.deviceId, status: leaf.status, authentication: leaf.authentication };
}

/** The derived primary and secondary keys of a deployed module, or undefined when the agent does not know it. */
export function moduleKeys(
  ctx: Pick<HubAuthContext, 'deviceKey' | 'resolveModule'>,
  moduleId: string,
): { primaryKey: string; secondaryKey: string } | undefined {
  const resolved = ctx.resolveModule(moduleId);
  if (resolved === undefined) return undefined;
  return {
    primaryKey: deriveModuleKey(ctx.deviceKey, moduleId, resolved.generationId, 'primary'),
    secondaryKey: deriveModuleKey(ctx.deviceKey, moduleId, resolved.generationId, 'secondary'),
  };
}

import { VergeError } from '@verge/contracts';
import { parseSasResource, parseSasToken, type ClientIdentity } from '@verge/core';
import type { AuthResult, ConnectCredentials } from '@verge/iothub-mqtt';
import { servedHere } from '../auth/hub-authenticate.js';
import type { MethodTarget } from './method-request.js';

/** What deciding a caller and a target needs from the hub. */
export interface MethodCallerContext {
  readonly edgeDeviceId: string;
  /** The IoT hub host name (user names of the synthesized CONNECT name it, as the SDK's do). */
  readonly iotHubHostName: string;
  /** The hub's CONNECT authentication (`authenticateHubClient` with the hub's keys, scope and audiences). */
  readonly authenticate: (credentials: ConnectCredentials, nowMs: number) => AuthResult;
  /** True when `deviceId` is a leaf device of this edge device's scope. */
  readonly isLeaf: (deviceId: string) => boolean;
  readonly nowMs: number;
}

/** The request headers the caller check reads (lower-case, as Node gives them). */
export interface MethodCallerHeaders {
  readonly authorization?: string | undefined;
  /** `x-ms-edge-moduleId: {deviceId}/{moduleId}`, sent by the SDK's MethodClient (reference §5.5). */
  readonly 'x-ms-edge-moduleid'?: string | string[] | undefined;
}

/**
 * Authenticates the caller of a direct method exactly as the hub authenticates an MQTT CONNECT (the token is the
 * module's own SAS token, signed with its key derived from the device key): the SDK's `x-ms-edge-moduleId` header
 * (or, without it, the token's resource) names the caller, which must be a module deployed on this edge device
 * (iotedge: "only modules on the same edge device can call this endpoint"). Throws
 * HUB_METHOD_CALLER_UNAUTHORIZED (no token, bad token) or HUB_METHOD_CALLER_FORBIDDEN (not such a module).
 */
export function authenticateMethodCaller(headers: MethodCallerHeaders, ctx: MethodCallerContext): ClientIdentity {
  const token = headers.authorization;
  if (token === undefined || token === '') throw unauthorized('the request has no Authorization header; send the calling module\'s SAS token');
  const caller = callerIdentity(headers['x-ms-edge-moduleid'], token);
  if (caller.moduleId === undefined || caller.deviceId !== ctx.edgeDeviceId) {
    throw forbidden(`only modules of edge device '${ctx.edgeDeviceId}' may invoke direct methods through this edge hub; the caller is ${describe(caller)}`);
  }
  const clientId = `${caller.deviceId}/${caller.moduleId}`;
  const result = ctx.authenticate(
    { clientId, username: `${ctx.iotHubHostName}/${clientId}/?api-version=2018-06-30`, password: Buffer.from(token, 'utf8'), peerCertificate: undefined },
    ctx.nowMs,
  );
  if (result.ok) return result.identity;
  if (result.returnCode === 4) throw unauthorized(`the caller's SAS token was refused: ${result.reason}`);
  throw forbidden(`the caller was refused: ${result.reason}`);
}

/**
 * Checks that the target is served by this hub: a module of this edge device other than `$edgeHub`, or a leaf
 * device of its scope. Throws HUB_METHOD_CALLER_FORBIDDEN otherwise (another device's module, the edge device
 * itself, a device outside the scope). A served target that is not connected is the caller's 404 later.
 */
export function checkMethodTarget(target: MethodTarget, ctx: Pick<MethodCallerContext, 'edgeDeviceId' | 'isLeaf'>): void {
  const refusal = servedHere(target, ctx);
  if (refusal !== undefined) throw forbidden(`the target is not served by this edge hub: ${refusal}`);
  if (target.moduleId === undefined && !ctx.isLeaf(target.deviceId)) {
    throw forbidden(`the target device '${target.deviceId}' is not in the device scope of edge device '${ctx.edgeDeviceId}'`);
  }
}

function callerIdentity(header: string | string[] | undefined, token: string): ClientIdentity {
  const named = Array.isArray(header) ? header[0] : header;
  if (named !== undefined && named !== '') {
    const [deviceId = '', moduleId, ...rest] = named.split('/');
    if (deviceId === '' || moduleId === '' || rest.length > 0) throw unauthorized(`x-ms-edge-moduleId '${named}' is not '{deviceId}/{moduleId}'`);
    return moduleId === undefined ? { deviceId } : { deviceId, moduleId };
  }
  let resource;
  try {
    resource = parseSasResource(parseSasToken(token).resource);
  } catch (e) {
    throw unauthorized(`the Authorization header is not a SAS token: ${(e as Error).message}`);
  }
  if (resource === undefined || resource.kind === 'hub') throw unauthorized('the SAS token names no device or module (and no x-ms-edge-moduleId header names the caller)');
  return resource.kind === 'module' ? { deviceId: resource.deviceId, moduleId: resource.moduleId } : { deviceId: resource.deviceId };
}

function describe(id: ClientIdentity): string {
  return id.moduleId === undefined ? `device '${id.deviceId}'` : `module '${id.deviceId}/${id.moduleId}'`;
}

function unauthorized(message: string): VergeError {
  return new VergeError('HUB_METHOD_CALLER_UNAUTHORIZED', message);
}

function forbidden(message: string): VergeError {
  return new VergeError('HUB_METHOD_CALLER_FORBIDDEN', message);
}

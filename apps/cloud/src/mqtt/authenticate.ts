import { authenticateConnect, type AuthResult, type ConnectCredentials } from '@verge/iothub-mqtt';
import type { DeviceEndpointServices } from '../services/types.js';

/**
 * Authenticates a CONNECT as IoT Hub does (shared rules: @verge/iothub-mqtt `authenticateConnect`). The user name
 * must name the client id and this hub: its host name, alone or with the port the client connected to
 * (azure-sdk-protocol.md §1); SAS tokens must name the identity on one of those hosts. Unknown or disabled
 * identities get CONNACK 5; a bad user name, token or certificate 4; a malformed client id 2. The registry lookup
 * is asynchronous (the store may be a networked database); refusals decided before it come synchronously.
 */
export function authenticate(
  creds: ConnectCredentials,
  ctx: { readonly services: DeviceEndpointServices; readonly hostname: string; readonly nowMs: number },
): AuthResult | Promise<AuthResult> {
  const hostNames = creds.localPort === undefined ? [ctx.hostname] : [ctx.hostname, `${ctx.hostname}:${creds.localPort}`];
  return authenticateConnect(creds, {
    lookup: (id) => ctx.services.getAuthRecord(id),
    usernameHosts: hostNames,
    audienceHosts: hostNames,
    nowMs: ctx.nowMs,
    serverName: 'this cloud',
  });
}

import { authenticateConnect, type AuthResult, type ConnectCredentials } from '@verge/platform';
import type { DeviceEndpointServices } from '../services/types.js';

export { ConnackCode, describeIdentity as describe, type AuthResult, type ConnectCredentials, type PeerCertificate } from '@verge/platform';

/**
 * Authenticates a CONNECT as IoT Hub does (shared rules: @verge/platform `authenticateConnect`). The user name must
 * name the client id and this hub (`hostNames`: the hub host name, with and without the listening port,
 * azure-sdk-protocol.md §1); SAS tokens must name the identity on one of those hosts. Unknown or disabled
 * identities get CONNACK 5; a bad user name, token or certificate 4; a malformed client id 2.
 */
export function authenticate(
  creds: ConnectCredentials,
  ctx: { readonly services: DeviceEndpointServices; readonly hostNames: readonly string[]; readonly nowMs: number },
): AuthResult {
  return authenticateConnect(creds, {
    lookup: (id) => ctx.services.getAuthRecord(id),
    usernameHosts: ctx.hostNames,
    audienceHosts: ctx.hostNames,
    nowMs: ctx.nowMs,
    serverName: 'this cloud',
  });
}

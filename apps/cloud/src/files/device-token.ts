import { VergeError } from '@verge/contracts';
import { parseSasResource, parseSasToken, type SasResource, type SasToken } from '@verge/core';
import type { AuthRecord } from '../services/types.js';
import type { ClientIdentity } from '@verge/core';
import { verifySignature } from '../http/caller-auth.js';

/** What {@link authenticateDeviceToken} needs. */
export interface DeviceTokenOptions {
  readonly hostName: string;
  readonly nowSec: number;
  readonly findIdentity: (id: ClientIdentity) => Promise<AuthRecord | undefined>;
}

/**
 * Authenticates the SAS token of a device calling its own device-side REST route (IoT Hub's file upload: any
 * device, not only IoT Edge ones): resource `{host}/devices/{deviceId}`, signed with the device's primary or
 * secondary key, the device enabled. Throws the CLD_AUTH_* code naming the problem. X.509 devices would present
 * their certificate on the TLS connection, which the HTTPS listener does not ask for: they are refused by name.
 */
export async function authenticateDeviceToken(header: string | undefined, deviceId: string, o: DeviceTokenOptions): Promise<void> {
  if (header === undefined || header.trim() === '') {
    throw new VergeError('CLD_AUTH_MISSING', `the Authorization header is missing: send the SAS token of device '${deviceId}' (SharedAccessSignature sr=${o.hostName}/devices/${deviceId}&sig=…&se=…)`);
  }
  const { token, resource } = parse(header);
  if (token.keyName !== undefined || resource.kind !== 'device') {
    throw new VergeError('CLD_AUTH_SCOPE_DENIED', `file upload takes the SAS token of the device itself (sr=${o.hostName}/devices/${deviceId}, no skn), not '${token.resource}'`);
  }
  if (resource.hostName.toLowerCase() !== o.hostName.toLowerCase() || resource.deviceId !== deviceId) {
    throw new VergeError('CLD_AUTH_AUDIENCE_INVALID', `the token's resource (sr) '${token.resource}' is not device '${deviceId}' of this hub '${o.hostName}'`, { details: { resource: token.resource } });
  }
  const record = await o.findIdentity({ deviceId });
  if (record === undefined) throw new VergeError('CLD_AUTH_DEVICE_INVALID', `device '${deviceId}' named by the token is not registered`, { details: { deviceId } });
  if (record.authentication.type !== 'sas') {
    throw new VergeError('CLD_AUTH_DEVICE_INVALID', `device '${deviceId}' authenticates with ${record.authentication.type} certificates: file upload over HTTPS takes SAS tokens only here`, { details: { deviceId } });
  }
  verifySignature(header, token, `device '${deviceId}'`, record.authentication, { hostName: o.hostName, nowSec: o.nowSec, findPolicy: async () => undefined, findIdentity: o.findIdentity, deviceRoutes: [] });
  if (record.status !== 'enabled') throw new VergeError('CLD_AUTH_DEVICE_INVALID', `device '${deviceId}' is disabled`, { details: { deviceId } });
}

function parse(header: string): { token: SasToken; resource: SasResource } {
  try {
    const token = parseSasToken(header.trim());
    const resource = parseSasResource(token.resource);
    if (resource !== undefined) return { token, resource };
  } catch (e) {
    throw new VergeError('CLD_AUTH_MALFORMED', `the Authorization header is not a SAS token: ${(e as Error).message}`);
  }
  throw new VergeError('CLD_AUTH_MALFORMED', 'the SAS token\'s resource (sr) names neither this hub nor a device');
}

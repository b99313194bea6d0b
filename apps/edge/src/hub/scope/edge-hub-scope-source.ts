import { createSasToken, deriveModuleKey, deviceResource, moduleResource } from '@verge/core';
import { createHttpDeviceScopeSource } from './http-scope-source.js';
import type { DeviceScopeSource } from './scope-identity.js';

/** Options of {@link createEdgeHubScopeSource}. */
export interface EdgeHubScopeSourceOptions {
  /** The cloud's HTTPS base URL and its CA (PEM). */
  readonly baseUrl: string;
  readonly ca?: string;
  /** The edge device: IoT hub host name, id and primary key (base64). */
  readonly iotHubHostName: string;
  readonly deviceId: string;
  readonly deviceKey: string;
  /** The generation id of a deployed module (the agent's view); `$edgeHub`'s signs the call. */
  readonly resolveModule: (moduleId: string) => { readonly generationId: string } | undefined;
  /** Lifetime of each token (default 1 h). */
  readonly tokenTtlSec?: number;
}

/**
 * The hub's device scope from the cloud, as the edge runtime syncs it: `POST …/devicesAndModulesInDeviceScope`
 * signed with `$edgeHub`'s SAS token (its key derived from the device key and its generation id, as edgeHub
 * authenticates to IoT Hub); before the agent knows `$edgeHub`'s generation id, with the device's own token.
 */
export function createEdgeHubScopeSource(o: EdgeHubScopeSourceOptions): DeviceScopeSource {
  const ttlSec = o.tokenTtlSec ?? 3600;
  const token = (): string => {
    const expirySec = Math.floor(Date.now() / 1000) + ttlSec;
    const generation = o.resolveModule('$edgeHub');
    if (generation === undefined) return createSasToken({ resource: deviceResource(o.iotHubHostName, o.deviceId), key: o.deviceKey, expirySec });
    const key = deriveModuleKey(o.deviceKey, '$edgeHub', generation.generationId, 'primary');
    return createSasToken({ resource: moduleResource(o.iotHubHostName, o.deviceId, '$edgeHub'), key, expirySec });
  };
  return createHttpDeviceScopeSource({ baseUrl: o.baseUrl, ...(o.ca === undefined ? {} : { ca: o.ca }), edgeDeviceId: o.deviceId, token });
}

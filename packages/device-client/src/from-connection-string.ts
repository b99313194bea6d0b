import { VergeError } from '@verge/contracts';
import { IOT_HUB_MQTT_PORT, parseConnectionString, parseHostPort } from '@verge/core';
import { createDeviceClient } from './device-client.js';
import type { DeviceClientOptions } from './options.js';
import type { DeviceClient } from './types.js';

/**
 * A client for a device or module connection string with `SharedAccessKey` (`HostName=…;DeviceId=…[;ModuleId=…]
 * ;SharedAccessKey=…[;GatewayHostName=host[:port]]`): dials `GatewayHostName` when present (its `:port`, else
 * 8883), as the SDK does (azure-sdk-protocol.md §1), and signs with `HostName`. Throws VergeError
 * CONNECTION_STRING_INVALID or SDK_OPTIONS_INVALID.
 */
export function deviceClientFromConnectionString(connectionString: string, options: Omit<DeviceClientOptions, 'hubHostName' | 'deviceId' | 'moduleId' | 'credential'> = {}): DeviceClient {
  const cs = parseConnectionString(connectionString);
  if (cs.kind === 'service') throw new VergeError('SDK_OPTIONS_INVALID', 'a service (policy) connection string names no device; give a device or module connection string');
  if (cs.sharedAccessKey === undefined) throw new VergeError('SDK_OPTIONS_INVALID', `the ${cs.kind} connection string carries no SharedAccessKey`);
  const dial = parseHostPort(cs.gatewayHostName ?? cs.hostName);
  if (typeof dial === 'string') throw new VergeError('SDK_OPTIONS_INVALID', `cannot dial '${cs.gatewayHostName ?? cs.hostName}': ${dial}`);
  return createDeviceClient({
    ...options,
    hubHostName: cs.hostName,
    deviceId: cs.deviceId,
    ...(cs.kind === 'module' ? { moduleId: cs.moduleId } : {}),
    host: options.host ?? dial.host,
    port: options.port ?? dial.port ?? IOT_HUB_MQTT_PORT,
    credential: { kind: 'sasKey', key: cs.sharedAccessKey, ...(cs.sharedAccessKeyName === undefined ? {} : { keyName: cs.sharedAccessKeyName }) },
  });
}

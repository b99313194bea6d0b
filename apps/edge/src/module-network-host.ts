import { isIP } from 'node:net';

/** Docker network container modules join unless their createOptions choose another (Azure's default name). */
export const DEFAULT_MODULE_NETWORK = 'azure-iot-edge';

/**
 * The gateway host name of container modules on the module network when `--hostname` cannot be it: the edgeHub
 * container's name on Azure's `azure-iot-edge` network, which Azure modules may also dial.
 */
export const MODULE_NETWORK_FALLBACK_HOST = 'edgehub';

/**
 * The host name container modules on the module network dial (their `IOTEDGE_GATEWAYHOSTNAME`, alone, port 8883):
 * `--hostname`, unless inside a container that name would not lead to the hub: `localhost` (and `*.localhost`) is
 * the container itself, and an address would have to be one the hub listens on. Then {@link MODULE_NETWORK_FALLBACK_HOST}.
 * The runtime points the name at the network's gateway address (`ExtraHosts`), where the hub listens; the hub's
 * server certificate carries it (hub/tls/server-cert.ts).
 */
export function moduleNetworkHostName(hostname: string): string {
  const lower = hostname.toLowerCase();
  if (isIP(hostname) !== 0 || lower === 'localhost' || lower.endsWith('.localhost')) return MODULE_NETWORK_FALLBACK_HOST;
  return hostname;
}

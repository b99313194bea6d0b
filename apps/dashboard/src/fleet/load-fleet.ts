import type { Api } from '../api/client.js';
import type { EdgeAgentTwin } from './edge-agent.js';

/** One device of the fleet page: the registry fields it shows, as a twin query projects them. */
export interface DeviceRow {
  readonly deviceId: string;
  readonly connectionState: string;
  readonly status: string;
  readonly lastActivityTime: string;
  readonly capabilities: { readonly iotEdge: boolean };
}

export interface FleetData {
  readonly devices: readonly DeviceRow[];
  readonly agents: readonly EdgeAgentTwin[];
}

/**
 * Every device and every `$edgeAgent` twin of the fleet, through the query API's pages. Not `GET /devices`, which
 * IoT Hub (and so the cloud) caps at 1000 devices: a larger fleet's page showed 1000 devices and counted only
 * those as online, offline or IoT Edge.
 */
export async function loadFleet(api: Api): Promise<FleetData> {
  const [devices, agents] = await Promise.all([
    api.query<DeviceRow>('SELECT deviceId, connectionState, status, lastActivityTime, capabilities FROM devices'),
    api.query<EdgeAgentTwin>("SELECT * FROM devices.modules WHERE moduleId = '$edgeAgent'"),
  ]);
  return { devices, agents };
}

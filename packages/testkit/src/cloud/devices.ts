import { deviceConnectionString, type Device } from '@verge/api-client';
import type { TestCloud } from './test-cloud.js';

/** An edge device (`capabilities.iotEdge`) and its connection string dialling the cloud's MQTT port. */
export async function createEdgeDevice(t: TestCloud, deviceId: string): Promise<{ device: Device; connectionString: string }> {
  const device = await t.api.devices.create({ deviceId, capabilities: { iotEdge: true } });
  return { device, connectionString: connectionStringOf(t, device, `localhost:${t.ports.mqtt}`) };
}

/** A leaf device, child of `edge` (its device scope). */
export async function createLeafDevice(t: TestCloud, deviceId: string, edge: Device): Promise<Device> {
  const scope = edge.deviceScope;
  if (scope === undefined || scope === null) throw new Error(`edge device ${edge.deviceId} has no deviceScope`);
  return t.api.devices.create({ deviceId, deviceScope: scope });
}

/** The connection string of a device that dials `gateway` (`host:port`: the edge hub for a leaf, the cloud otherwise). */
export function connectionStringOf(t: TestCloud, device: Device, gateway: string): string {
  const cs = deviceConnectionString(t.api.hostName, device, { gatewayHostName: gateway });
  if (cs === undefined) throw new Error(`device ${device.deviceId} has no symmetric key`);
  return cs;
}

/** `POST /devices/{id}/applyConfigurationContent` with the owner policy's token; resolves with the HTTP answer. */
export async function applyConfigurationContent(t: TestCloud, deviceId: string, content: unknown): Promise<{ status: number; body: string }> {
  const res = await fetch(`${t.cloud.urls.http}/devices/${encodeURIComponent(deviceId)}/applyConfigurationContent?api-version=2021-04-12`, {
    method: 'POST',
    headers: { authorization: t.serviceToken(), 'content-type': 'application/json' },
    body: JSON.stringify(content),
  });
  return { status: res.status, body: await res.text() };
}

import type { CloudStoreRepos } from '../../store/ports.js';
import type { DeviceRecord, TwinRecord } from '../../store/records.js';
import type { DeviceState } from './device-evaluation.js';

/**
 * One IoT Edge device's stored state (record, device twin, module twins by module id), read through `repos` (the
 * store or a transaction); undefined when the device does not exist, is not an IoT Edge device or has no twin.
 * Evaluation, explain and dry-run all read devices here.
 */
export async function loadEdgeDeviceState(repos: CloudStoreRepos, deviceId: string): Promise<DeviceState | undefined> {
  const device = await repos.devices.get(deviceId);
  if (device?.isEdge !== true) return undefined;
  const twin = await repos.twins.get({ deviceId });
  if (twin === undefined) return undefined;
  const modules = new Map<string, TwinRecord>();
  for (const m of await repos.modules.list(deviceId)) {
    const moduleTwin = await repos.twins.get({ deviceId, moduleId: m.moduleId });
    if (moduleTwin !== undefined) modules.set(m.moduleId, moduleTwin);
  }
  return { device, twin, modules };
}

/** Every IoT Edge device's stored state, in the store's device order, from three bulk reads (devices, device twins, module twins). */
export async function loadEdgeDeviceStates(repos: CloudStoreRepos): Promise<DeviceState[]> {
  const devices = (await repos.devices.list()).filter((d) => d.isEdge);
  const edge = new Map<string, DeviceRecord>(devices.map((d) => [d.deviceId, d]));
  const twins = new Map<string, TwinRecord>();
  for (const t of await repos.twins.all({ modules: false })) if (edge.has(t.deviceId)) twins.set(t.deviceId, t);
  const modules = new Map<string, Map<string, TwinRecord>>();
  for (const t of await repos.twins.all({ modules: true })) {
    if (!edge.has(t.deviceId) || t.moduleId === undefined) continue;
    let own = modules.get(t.deviceId);
    if (own === undefined) modules.set(t.deviceId, (own = new Map()));
    own.set(t.moduleId, t);
  }
  const states: DeviceState[] = [];
  for (const device of devices) {
    const twin = twins.get(device.deviceId);
    if (twin !== undefined) states.push({ device, twin, modules: modules.get(device.deviceId) ?? new Map<string, TwinRecord>() });
  }
  return states;
}

import type { CloudStore } from '../../store/ports.js';
import type { ConfigurationRecord, RolloutSnapshotRecord } from '../../store/records.js';

/**
 * What each device's module twins desire before a rollout admits it (`$version`/`$metadata` left out): every module
 * twin it has, and `{}` for a module the deployment would add. Restoring the snapshot returns the device to it.
 */
export async function snapshotDevices(store: CloudStore, configuration: ConfigurationRecord, deviceIds: readonly string[]): Promise<RolloutSnapshotRecord[]> {
  const touched = Object.keys(configuration.content.modulesContent);
  const out: RolloutSnapshotRecord[] = [];
  for (const deviceId of deviceIds) {
    const desired: Record<string, Readonly<Record<string, unknown>>> = {};
    for (const moduleId of touched) desired[moduleId] = {};
    for (const m of await store.modules.list(deviceId)) {
      const twin = await store.twins.get({ deviceId, moduleId: m.moduleId });
      if (twin === undefined) continue;
      const { $version: _v, $metadata: _m, ...rest } = twin.properties.desired as Record<string, unknown>;
      desired[m.moduleId] = rest;
    }
    out.push({ configurationId: configuration.id, deviceId, desired });
  }
  return out;
}

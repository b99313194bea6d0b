import { newTwinRecord } from '../../src/services/twin-records.js';
import type { CloudStore } from '../../src/store/ports.js';
import type { DeviceRecord, ModuleRecord } from '../../src/store/records.js';
import { aKey } from './fixtures.js';

/** Scale tests' fleet size: 2,000 edge devices in CI; `VERGE_FLEET_SCALE_DEVICES=10000` for the 10k check (10k timings: bench/fleet-deploy.mjs). */
export const FLEET_SCALE_DEVICES = Number(process.env['VERGE_FLEET_SCALE_DEVICES'] ?? 2000);

/**
 * Stores `count` IoT Edge devices straight into the store in one transaction (no API round trips): ids
 * `${prefix}-00000`…, every tenth tagged `ring: 'canary'` (the others `'main'`), each with its `$edgeAgent` and
 * `$edgeHub` module identities and empty twins.
 */
export async function storeEdgeFleet(store: CloudStore, prefix: string, count: number): Promise<void> {
  const sas = { type: 'sas' as const, primaryKey: aKey(1), secondaryKey: aKey(2) };
  await store.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      const deviceId = `${prefix}-${String(i).padStart(5, '0')}`;
      const device: DeviceRecord = {
        deviceId, generationId: `g${i}`, etag: 'e', status: 'enabled', statusReason: null, statusUpdatedAtMs: 0, authentication: sas, isEdge: true,
        parentDeviceId: null, connectionState: 'Disconnected', connectionStateUpdatedAtMs: null, lastActivityAtMs: null, createdAtMs: 0,
      };
      await tx.devices.put(device);
      await tx.twins.put({ ...newTwinRecord({ deviceId }), tags: { ring: i % 10 === 0 ? 'canary' : 'main' } });
      for (const moduleId of ['$edgeAgent', '$edgeHub']) {
        const module: ModuleRecord = {
          deviceId, moduleId, generationId: 'g', etag: 'e', managedBy: 'iotEdge', authentication: sas, connectionState: 'Disconnected',
          connectionStateUpdatedAtMs: null, lastActivityAtMs: null, createdAtMs: 0,
        };
        await tx.modules.put(module);
        await tx.twins.put(newTwinRecord({ deviceId, moduleId }));
      }
    }
  });
}

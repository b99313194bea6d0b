import { VergeError, type ManifestFault } from '@verge/contracts';
import { checkDeploymentManifest, planDeviceWrites } from '@verge/core';
import { retryOnConflict } from '../store/ports.js';
import type { TwinRecord } from '../store/records.js';
import type { ServiceContext } from './context.js';
import { publishPlanWrites, writeDevicePlan } from './deployments/device-plan-writer.js';
import { requireEdgeDevice } from './edge-scope-service.js';

/** What `applyConfigurationContent` changed. */
export interface AppliedConfiguration {
  readonly deviceId: string;
  /** Twins whose desired properties changed (a twin given the desired properties it already had is left alone). */
  readonly updated: readonly string[];
  /** Module identities created for module twin blocks that had none (derived keys, managedBy `iotEdge`). */
  readonly created: readonly string[];
}

/** Deployments to single devices (IoT Hub "Configuration - Apply On Edge Device"). */
export interface ConfigurationService {
  /**
   * Validates `content` (a deployment manifest, `{ modulesContent }` or `{ content: { modulesContent } }`) with
   * `checkDeploymentManifest` and replaces the desired properties of every module twin it names, in one
   * transaction; each change is pushed to the connected module as a desired patch. Throws CLD_DEVICE_NOT_FOUND,
   * CLD_DEVICE_NOT_EDGE, or MANIFEST_INVALID with every fault in `details.faults`; nothing is written then.
   */
  applyConfigurationContent(deviceId: string, content: unknown): Promise<AppliedConfiguration>;
}

// How many faults the error message lists (all of them are in details.faults).
const FAULTS_IN_MESSAGE = 3;

/** Builds the configuration service. */
export function createConfigurationService(ctx: ServiceContext): ConfigurationService {
  const { store, bus } = ctx;
  return {
    async applyConfigurationContent(deviceId, content) {
      const writes = await retryOnConflict(() => store.transaction(async (tx) => {
        const device = requireEdgeDevice(await tx.devices.get(deviceId), deviceId, 'cannot run a deployment manifest');
        const check = checkDeploymentManifest(content);
        if (!check.ok) throw manifestError(deviceId, check.faults);
        const twins = new Map<string, TwinRecord>();
        for (const module of await tx.modules.list(deviceId)) {
          const twin = await tx.twins.get({ deviceId, moduleId: module.moduleId });
          if (twin !== undefined) twins.set(module.moduleId, twin);
        }
        const modulesContent: Record<string, { 'properties.desired': Record<string, unknown> }> = {};
        for (const [moduleId, desired] of Object.entries(check.manifest.twins)) {
          Object.defineProperty(modulesContent, moduleId, { value: { 'properties.desired': desired }, enumerable: true });
        }
        // Statuses are left alone: this is not an automatic deployment (the plan's statuses equal the stored ones).
        const modules = Object.fromEntries([...twins].map(([id, t]) => [id, t.properties.desired]));
        const plan = planDeviceWrites({ explanation: { modulesContent, statuses: {} }, modules });
        return writeDevicePlan(ctx, tx, device, plan.steps, twins);
      }));
      publishPlanWrites(bus, writes);
      return { deviceId, updated: writes.updated, created: writes.created };
    },
  };
}

/** MANIFEST_INVALID naming the device and the first faults; every fault is in `details.faults`. */
function manifestError(deviceId: string, faults: readonly ManifestFault[]): VergeError {
  const listed = faults.slice(0, FAULTS_IN_MESSAGE).map((f) => f.message).join('; ');
  const more = faults.length > FAULTS_IN_MESSAGE ? ` (and ${faults.length - FAULTS_IN_MESSAGE} more)` : '';
  const count = `${faults.length} fault${faults.length === 1 ? '' : 's'}`;
  return new VergeError('MANIFEST_INVALID', `the deployment manifest for device '${deviceId}' has ${count}: ${listed}${more}`, {
    details: { deviceId, faults: faults.map((f) => ({ path: f.path, rule: f.rule, message: f.message, statusCode: f.statusCode })) },
  });
}

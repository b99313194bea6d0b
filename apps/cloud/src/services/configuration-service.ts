import { VergeError, type ManifestFault } from '@verge/contracts';
import { checkDeploymentManifest, diffTwinSection, replaceDesired, type JsonObject, type ClientIdentity } from '@verge/core';
import { retryOnConflict } from '../store/ports.js';
import type { ServiceContext } from './context.js';
import { createEdgeModule } from './edge-modules.js';
import { requireEdgeDevice } from './edge-scope-service.js';
import { withEtag } from './twin-records.js';

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

interface DesiredChange {
  readonly id: ClientIdentity;
  readonly patch: JsonObject;
  readonly version: number;
}

/** Builds the configuration service. */
export function createConfigurationService(ctx: ServiceContext): ConfigurationService {
  const { store, bus } = ctx;
  return {
    async applyConfigurationContent(deviceId, content) {
      const { result, changes } = await retryOnConflict(() => store.transaction(async (tx) => {
        const device = requireEdgeDevice(await tx.devices.get(deviceId), deviceId, 'cannot run a deployment manifest');
        const check = checkDeploymentManifest(content);
        if (!check.ok) throw manifestError(deviceId, check.faults);
        const created: string[] = [];
        const updated: string[] = [];
        const desiredChanges: DesiredChange[] = [];
        for (const [moduleId, section] of Object.entries(check.manifest.twins)) {
          const desired = section as JsonObject; // checked JSON (twin rules) by checkDeploymentManifest
          if ((await tx.modules.get(deviceId, moduleId)) === undefined) {
            await createEdgeModule(ctx, tx, device, moduleId);
            created.push(moduleId);
          }
          const id = { deviceId, moduleId };
          const twin = await tx.twins.get(id);
          if (twin === undefined) throw new Error(`twin of module '${deviceId}/${moduleId}' is missing although the module exists`);
          const patch = diffTwinSection(twin.properties.desired, desired);
          if (Object.keys(patch).length === 0) continue;
          // Validated by checkDeploymentManifest against the same twin limits, so this does not throw.
          const next = withEtag(replaceDesired(twin, desired));
          await tx.twins.put(next, { ifEtag: twin.etag });
          updated.push(moduleId);
          desiredChanges.push({ id, patch, version: next.properties.desired.$version });
        }
        return { result: { deviceId, updated, created }, changes: desiredChanges };
      }));
      // After the commit: the device endpoint pushes each patch to its module if connected (azure-sdk-protocol.md §0).
      for (const c of changes) bus.publish('desiredPatched', { id: c.id, patch: { ...c.patch, $version: c.version }, version: c.version });
      return result;
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

import { ConfigurationInputDtoSchema, VergeError, type ConfigurationPlanDto, type EffectiveDeploymentDto } from '@verge/contracts';
import type { Deployment } from '@verge/core';
import { parseOrThrow } from '@verge/platform';
import type { ServiceContext } from '../context.js';
import { checkConfigurationInput } from '../deployments/configuration-input.js';
import { createSnapshot, planDevice } from '../deployments/device-evaluation.js';
import { loadEdgeDeviceState, loadEdgeDeviceStates } from '../deployments/device-states.js';
import { noRollouts, type RolloutViews } from '../deployments/rollout-view.js';
import { dryRunResult, type PlannedDevice } from './deployment-dry-run.js';
import { effectiveResult, notAdmittedDeployments, notEdgeResult } from './effective-deployment.js';

/** A page of a dry-run's device list. */
export interface PlanPage {
  readonly top?: number;
  readonly continuationToken?: string;
}

/** Explain and dry-run of automatic deployments: computed as evaluation computes them, writing nothing. */
export interface DeploymentInsightService {
  /** `GET /devices/{id}/effective`. Throws CLD_DEVICE_NOT_FOUND; a device that is not an IoT Edge device gets an empty result with a `reason`. */
  effective(deviceId: string): Promise<EffectiveDeploymentDto>;
  /** Dry-run of the stored deployment `id`. Throws CLD_CONFIGURATION_NOT_FOUND. */
  planStored(id: string, page: PlanPage): Promise<ConfigurationPlanDto>;
  /**
   * Dry-run of a draft body (`PUT /configurations/{id}` shape), validated as creation validates it (400 naming the
   * field), as if stored: created now, or replacing the stored deployment of the same id (keeping its creation time).
   */
  planDraftBody(body: unknown, page: PlanPage): Promise<ConfigurationPlanDto>;
}

/** Options: the same rollout views deployment evaluation uses (default: no rollouts). */
export interface DeploymentInsightOptions {
  readonly rollouts?: RolloutViews;
}

/**
 * Builds the service over the evaluator's own pure steps (`createSnapshot`, `planDevice`, `planDeviceWrites`), so
 * what a dry-run reports is exactly what evaluation then writes. A dry-run plans every edge device (three bulk
 * reads, one snapshot) and lists a page of them.
 */
export function createDeploymentInsightService(ctx: ServiceContext, options: DeploymentInsightOptions = {}): DeploymentInsightService {
  const { store } = ctx;
  const rollouts = options.rollouts ?? noRollouts;

  const planFleet = async (configurationId: string, draft: Deployment | undefined, page: PlanPage): Promise<ConfigurationPlanDto> => {
    const snapshot = createSnapshot(await store.configurations.list(), await rollouts.load(), draft);
    const planned: PlannedDevice[] = [];
    for (const state of await loadEdgeDeviceStates(store)) planned.push({ state, ...(await planDevice(snapshot, state)) });
    return dryRunResult(configurationId, draft !== undefined, snapshot, planned, page);
  };

  return {
    async effective(deviceId) {
      const device = await store.devices.get(deviceId);
      if (device === undefined) throw new VergeError('CLD_DEVICE_NOT_FOUND', `device '${deviceId}' is not registered`, { details: { deviceId } });
      if (!device.isEdge) return notEdgeResult(deviceId);
      const state = await loadEdgeDeviceState(store, deviceId);
      if (state === undefined) throw new VergeError('CLD_DEVICE_NOT_FOUND', `device '${deviceId}' is not registered`, { details: { deviceId } });
      const snapshot = createSnapshot(await store.configurations.list(), await rollouts.load());
      const { explanation, plan } = await planDevice(snapshot, state);
      return effectiveResult(state, explanation, plan, notAdmittedDeployments(snapshot, state));
    },
    async planStored(id, page) {
      const record = await store.configurations.get(id);
      if (record === undefined) throw new VergeError('CLD_CONFIGURATION_NOT_FOUND', `deployment '${id}' does not exist`, { details: { id } });
      return planFleet(id, undefined, page);
    },
    async planDraftBody(body, page) {
      const input = parseOrThrow(ConfigurationInputDtoSchema, body ?? {}, 'request body');
      const stored = await store.configurations.get(input.id);
      const { deployment } = checkConfigurationInput(input, stored?.createdAtMs ?? ctx.clock.nowMs());
      return planFleet(deployment.id, deployment, page);
    },
  };
}

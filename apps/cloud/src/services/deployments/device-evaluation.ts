import {
  configurationStatuses,
  mergeDeployments,
  planDeviceWrites,
  prepareDeployments,
  selectDeployments,
  type Deployment,
  type DeploymentExplanation,
  type DevicePlan,
  type MergedDeployment,
  type PreparedDeployments,
  type TwinView,
} from '@verge/core';
import type { ConfigurationRecord, DeviceRecord, TwinRecord } from '../../store/records.js';
import type { RolloutView } from './rollout-view.js';

/** A stored deployment as the core's `Deployment`. */
export function toDeployment(r: ConfigurationRecord): Deployment {
  return { id: r.id, priority: r.priority, targetCondition: r.targetCondition, content: r.content, createdAtMs: r.createdAtMs, layered: r.layered };
}

/** What one evaluation pass decides with: the deployments checked once, the rollouts' answers, a merge cache. */
export interface EvaluationSnapshot {
  readonly prepared: PreparedDeployments;
  /** Ids of the deployments with a staged rollout (only those ask the rollout view). */
  readonly withRollout: ReadonlySet<string>;
  readonly rollouts: RolloutView;
  /** Merged content by applied deployment ids: devices with the same selection share one merge. */
  readonly merges: Map<string, MergedDeployment>;
}

/** Prepares a pass over `configurations` (target conditions compiled once for every device). */
export function createSnapshot(configurations: readonly ConfigurationRecord[], rollouts: RolloutView, draft?: Deployment): EvaluationSnapshot {
  const deployments = configurations.map(toDeployment).filter((d) => d.id !== draft?.id);
  return {
    prepared: prepareDeployments(draft === undefined ? deployments : [...deployments, draft]),
    withRollout: new Set(configurations.filter((c) => c.rollout !== null && c.id !== draft?.id).map((c) => c.id)),
    rollouts,
    merges: new Map(),
  };
}

/** One edge device as stored: its record, its device twin and its module twins by module id. */
export interface DeviceState {
  readonly device: DeviceRecord;
  readonly twin: TwinRecord;
  readonly modules: ReadonlyMap<string, TwinRecord>;
}

/** The twin a target condition sees (`deviceId`, `tags.*`, `properties.reported.*`). */
export function deviceTwinView(state: Pick<DeviceState, 'device' | 'twin'>): TwinView {
  const { device, twin } = state;
  return { deviceId: device.deviceId, status: device.status, capabilities: { iotEdge: device.isEdge }, tags: twin.tags, properties: twin.properties };
}

/**
 * `explainDeployment` for one device over the deployments it is admitted to (a deployment with a rollout that
 * does not admit the device is left out, so the device keeps or falls back to a lower one), with merges shared
 * between devices of the same selection.
 */
export function explainDevice(snapshot: EvaluationSnapshot, state: Pick<DeviceState, 'device' | 'twin'>): DeploymentExplanation {
  const deviceId = state.device.deviceId;
  const { prepared, withRollout, rollouts } = snapshot;
  const admitted =
    withRollout.size === 0 ? prepared : { ...prepared, valid: prepared.valid.filter((c) => !withRollout.has(c.deployment.id) || rollouts.admits(c.deployment.id, deviceId)) };
  const selection = selectDeployments(admitted, deviceTwinView(state));
  const key = [selection.base?.id ?? '', ...selection.layers.map((d) => d.id)].join('\n');
  let merged = snapshot.merges.get(key);
  if (merged === undefined) {
    merged = mergeDeployments(selection.base, selection.layers);
    snapshot.merges.set(key, merged);
  }
  return { selection, statuses: configurationStatuses(selection), ...merged };
}

/** The explanation and the write plan of one edge device (the rollout view's restore content when nothing applies). */
export async function planDevice(snapshot: EvaluationSnapshot, state: DeviceState): Promise<{ explanation: DeploymentExplanation; plan: DevicePlan }> {
  const explanation = explainDevice(snapshot, state);
  const restore = Object.keys(explanation.modulesContent).length === 0 ? await snapshot.rollouts.restore(state.device.deviceId) : undefined;
  const modules: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const [moduleId, twin] of state.modules) {
    Object.defineProperty(modules, moduleId, { value: twin.properties.desired, enumerable: true });
  }
  const agent = state.modules.get('$edgeAgent');
  const plan = planDeviceWrites({
    explanation,
    modules,
    ...(agent?.configurations === undefined ? {} : { statuses: agent.configurations }),
    ...(restore === undefined ? {} : { restore }),
  });
  return { explanation, plan };
}

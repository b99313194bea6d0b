import { EDGE_AGENT_TWIN, EDGE_HUB_TWIN, type EffectiveDeploymentDto, type ProvenanceDto } from '@verge/contracts';
import { explainSelection, type Deployment, type DeploymentVerdict, type ProvenanceEntry } from '@verge/core';
import { deviceTwinView, type DeviceState, type EvaluationSnapshot } from '../deployments/device-evaluation.js';
import type { DevicePlan, DeploymentExplanation } from '@verge/core';
import { summaryDto } from './plan-summary-dto.js';

/** Deployments whose target matches the device but whose staged rollout has not admitted it (left out of selection). */
export function notAdmittedDeployments(snapshot: EvaluationSnapshot, state: Pick<DeviceState, 'device' | 'twin'>): Deployment[] {
  if (snapshot.withRollout.size === 0) return [];
  const view = deviceTwinView(state);
  const deviceId = state.device.deviceId;
  return snapshot.prepared.valid
    .filter((c) => snapshot.withRollout.has(c.deployment.id) && !snapshot.rollouts.admits(c.deployment.id, deviceId) && c.target.matches(view))
    .map((c) => c.deployment);
}

/** The kind of unit a provenance path is: a module of `$edgeAgent`, a route of `$edgeHub`, or any other path. */
export function provenanceKind(moduleId: string, path: string): ProvenanceDto['kind'] {
  const [first, second] = path.split('.');
  if (second === undefined) return 'path';
  if (moduleId === EDGE_AGENT_TWIN && (first === 'modules' || first === 'systemModules')) return 'module';
  if (moduleId === EDGE_HUB_TWIN && first === 'routes') return 'route';
  return 'path';
}

function provenanceDto(p: ProvenanceEntry): ProvenanceDto {
  return {
    moduleId: p.moduleId,
    path: p.path,
    kind: provenanceKind(p.moduleId, p.path),
    deploymentId: p.deploymentId,
    priority: p.priority,
    overridden: p.overridden.map((o) => ({ deploymentId: o.deploymentId, priority: o.priority })),
    ...(p.removed === true ? { removed: true } : {}),
  };
}

function verdictDto(v: DeploymentVerdict): EffectiveDeploymentDto['deployments'][number] {
  return {
    deploymentId: v.deploymentId,
    priority: v.priority,
    layered: v.layered,
    createdTimeUtc: new Date(v.createdAtMs).toISOString(),
    outcome: v.outcome,
    ...(v.outrankedBy === undefined ? {} : { outrankedBy: v.outrankedBy }),
    reason: v.reason,
  };
}

/** The answer for a device that is not an IoT Edge device: deployments never apply to it. */
export function notEdgeResult(deviceId: string): EffectiveDeploymentDto {
  return {
    deviceId,
    edge: false,
    reason: `device '${deviceId}' is not an IoT Edge device (capabilities.iotEdge is false): automatic deployments apply only to IoT Edge devices`,
    modulesContent: {},
    provenance: [],
    deployments: [],
    invalid: [],
    statuses: {},
    inSync: true,
  };
}

/**
 * The effective deployment of one edge device, as evaluation computes it (`planDevice` on the same snapshot):
 * merged content, provenance, every targeting deployment with its outcome and reason, the invalid ones, and what
 * evaluation still has to write.
 */
export function effectiveResult(state: DeviceState, explanation: DeploymentExplanation, plan: DevicePlan, notAdmitted: readonly Deployment[]): EffectiveDeploymentDto {
  const deviceId = state.device.deviceId;
  const deployments = explainSelection(explanation.selection, notAdmitted).map(verdictDto);
  const inSync = plan.steps.length === 0;
  return {
    deviceId,
    edge: true,
    ...(deployments.length === 0 ? { reason: `no valid deployment targets device '${deviceId}'; it keeps the module twins it has` } : {}),
    modulesContent: explanation.modulesContent,
    provenance: explanation.provenance.map(provenanceDto),
    deployments,
    invalid: explanation.selection.invalid.map((i) => ({ deploymentId: i.deploymentId, errors: i.errors.map((e) => ({ code: e.code, message: e.message })) })),
    statuses: explanation.statuses,
    inSync,
    ...(inSync ? {} : { pending: summaryDto(plan.summary) }),
  };
}

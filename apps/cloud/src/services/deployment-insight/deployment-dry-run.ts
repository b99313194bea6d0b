import type { ConfigurationPlanDto, DevicePlanDto } from '@verge/contracts';
import { countPlanChanges, totalPlanChanges, type DeploymentExplanation, type DevicePlan } from '@verge/core';
import type { DeviceState, EvaluationSnapshot } from '../deployments/device-evaluation.js';
import { notAdmittedDeployments } from './effective-deployment.js';
import { summaryDto } from './plan-summary-dto.js';

/** One device planned in a dry-run: its stored state, what evaluation decides for it, and the writes. */
export interface PlannedDevice {
  readonly state: DeviceState;
  readonly explanation: DeploymentExplanation;
  readonly plan: DevicePlan;
}

/** Devices listed per page of a dry-run: default and most. */
export const PLAN_PAGE_DEFAULT = 100;
export const PLAN_PAGE_MAX = 1000;

/** What deployment `configurationId` is for a device: applied as base or layer, outranked, not admitted, or not targeted. */
function outcomeFor(configurationId: string, snapshot: EvaluationSnapshot, p: PlannedDevice): DevicePlanDto['outcome'] {
  const { selection } = p.explanation;
  if (selection.base?.id === configurationId) return 'base';
  if (selection.layers.some((d) => d.id === configurationId)) return 'layer';
  if (selection.outranked.some((d) => d.id === configurationId)) return 'outranked';
  if (notAdmittedDeployments(snapshot, p.state).some((d) => d.id === configurationId)) return 'notAdmitted';
  return 'notTargeted';
}

/**
 * The dry-run answer from planned devices (every edge device, ordered by id): totals over all of them; listed,
 * a page of the devices the deployment targets (admitted or not) or that get any write, after the device id in
 * `continuationToken`, at most `top`.
 */
export function dryRunResult(
  configurationId: string,
  draft: boolean,
  snapshot: EvaluationSnapshot,
  planned: readonly PlannedDevice[],
  page: { readonly top?: number; readonly continuationToken?: string },
): ConfigurationPlanDto {
  const top = page.top ?? PLAN_PAGE_DEFAULT;
  const relevant: DevicePlanDto[] = [];
  let targeted = 0;
  for (const p of planned) {
    const outcome = outcomeFor(configurationId, snapshot, p);
    if (outcome !== 'notTargeted') targeted += 1;
    if (outcome === 'notTargeted' && p.plan.steps.length === 0) continue;
    relevant.push({
      deviceId: p.state.device.deviceId,
      outcome,
      summary: summaryDto(p.plan.summary),
      counts: countPlanChanges(p.plan.summary),
      steps: p.plan.steps.map((s) => ('moduleId' in s ? { action: s.action, moduleId: s.moduleId } : { action: s.action })),
    });
  }
  // Ordinal order (the store's order depends on the database collation), so the continuation is stable.
  relevant.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  const after = page.continuationToken;
  const rest = after === undefined ? relevant : relevant.filter((d) => d.deviceId > after);
  const devices = rest.slice(0, top);
  const last = devices.at(-1);
  const totals = totalPlanChanges(planned.map((p) => p.plan));
  return {
    configurationId,
    draft,
    totals: { ...totals, targeted },
    devices,
    ...(rest.length > devices.length && last !== undefined ? { continuationToken: last.deviceId } : {}),
  };
}

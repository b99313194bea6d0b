import type { TwinView } from '../query/twin-view.js';
import type { Deployment } from './deployment.js';
import { mergeDeployments, type MergedDeployment } from './merge.js';
import { configurationStatuses, selectDeployments, type DeploymentSelection, type PreparedDeployments } from './select.js';

/** The dry run of automatic deployments for one device: what applies, what the device gets, and why. */
export interface DeploymentExplanation extends MergedDeployment {
  readonly selection: DeploymentSelection;
  /** `configurations.{id}.status` of the device's `$edgeAgent` twin for every targeting deployment. */
  readonly statuses: Record<string, 'Applied' | 'Targeted'>;
}

/**
 * Explains the deployments of one device exactly as they would be applied: `selectDeployments` (which ones
 * target it, the base, the applied layers, the outranked ones) composed with `mergeDeployments` (the resulting
 * module twin contents with the provenance of every unit). Invalid deployments are listed in
 * `selection.invalid` and otherwise ignored. Never throws.
 */
export function explainDeployment(deployments: readonly Deployment[] | PreparedDeployments, twin: TwinView): DeploymentExplanation {
  const selection = selectDeployments(deployments, twin);
  const merged = mergeDeployments(selection.base, selection.layers);
  return { selection, statuses: configurationStatuses(selection), ...merged };
}

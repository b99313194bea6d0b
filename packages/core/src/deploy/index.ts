export { compileTargetCondition, parseTargetCondition, type CompiledTarget } from './target-condition.js';
export { compareRank, type Deployment, type DeploymentRef } from './deployment.js';
export { contentWrites, type ContentWrite } from './content.js';
export {
  checkDeployment,
  validateDeploymentId,
  DEPLOYMENT_ID_MAX_LENGTH,
  DEPLOYMENT_PRIORITY_MAX,
  type CheckedDeployment,
} from './check-deployment.js';
export {
  configurationStatuses,
  prepareDeployments,
  selectDeployments,
  type DeploymentSelection,
  type InvalidDeployment,
  type PreparedDeployments,
} from './select.js';
export { mergeDeployments, type MergedDeployment } from './merge.js';
export type { ProvenanceEntry } from './provenance.js';
export { explainDeployment, type DeploymentExplanation } from './explain.js';
export {
  planDeviceWrites,
  type ConfigurationStatus,
  type DevicePlan,
  type DevicePlanInput,
  type DevicePlanStep,
  type DevicePlanSummary,
  type MapChanges,
} from './device-plan.js';
export { countPlanChanges, totalPlanChanges, type FleetPlanTotals, type PlanChangeCounts } from './plan-summary.js';
export { explainSelection, type DeploymentOutcome, type DeploymentVerdict } from './selection-reasons.js';
export * from './rollout/index.js';

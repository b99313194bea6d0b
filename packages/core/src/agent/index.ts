// Public API of the pure agent core (STYLE §2.3; reference azure-iot-edge.md §2): desired + observed state →
// planSteps → steps as data; the ledger records outcomes; the report functions build the reported properties.
export { desiredStateFromConfig, type DesiredState, type DesiredStateOptions } from './desired-state.js';
export { OBSERVED_MODULE_STATES, type ObservedModule, type ObservedModuleState, type ObservedState, type ModuleType } from './observed-state.js';
export { effectiveRestarts, isStoppedByAgent, type EffectiveRestarts, type ModuleHealth } from './module-health.js';
export { DEFAULT_PLAN_POLICY, type PlanPolicy } from './policy.js';
export {
  stepKey,
  isActionStep,
  FAULT_WAIT_REASONS,
  type Step,
  type StepAction,
  type ActionStep,
  type PullImageStep,
  type CreateModuleStep,
  type StartModuleStep,
  type StopModuleStep,
  type RemoveModuleStep,
  type RestartModuleStep,
  type ResetHealthStep,
  type WaitStep,
  type WaitReason,
  type TeardownReason,
} from './step.js';
export { currentFailure, type StepFailure, type StepFailureKind } from './step-failure.js';
export { recordStepOutcomes, EMPTY_LEDGER, type AgentLedger, type StepOutcome, type RecordContext } from './ledger.js';
export { canonicalJson, compareCodeUnits } from './canonical-json.js';
export { configHash } from './config-hash.js';
export { canonicalImageRef, hasImage, imageRegistry, registryCredentialFor } from './image-key.js';
export {
  RUNTIME_STATUSES,
  statusFromState,
  statusFromRestartPolicy,
  restartPolicyRank,
  coolOffMs,
  restartTiming,
  type RuntimeStatus,
  type RestartTiming,
} from './restart-policy.js';
export { planSteps, type PlanContext } from './plan.js';
export { describeModuleStatus, type ModuleStatusReport, type StatusContext } from './module-status.js';
export { formatDotNetTime, DOTNET_MIN_TIME } from './dotnet-time.js';
export {
  computeModuleReport,
  computeSystemModuleReport,
  type ReportedModule,
  type ReportedEdgeAgent,
  type ReportedDockerSettings,
  type ReportedProcessSettings,
  type ModuleReportOptions,
  type RuntimeProcessInfo,
} from './report.js';
export { computeLastDesiredStatus, type DesiredStatus, type DesiredStatusCode, type DesiredStatusInput } from './last-desired-status.js';
export {
  EDGE_AGENT_METHODS,
  agentMethodFailure,
  checkMethodSchemaVersion,
  edgeAgentMethodOf,
  moduleNotFoundForMethod,
  moduleNotRunningForMethod,
  parseRestartModuleRequest,
  unknownAgentMethod,
  type EdgeAgentMethod,
} from './agent-methods.js';

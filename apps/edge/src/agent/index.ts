// The edge agent (STYLE §2.3; reference azure-iot-edge.md §2): desired state from the $edgeAgent twin, a level-based
// reconcile loop over the pure planner of @verge/core, executors over the module runtimes, reported properties,
// module identities, direct methods and the local management API.
export { createAgent, type Agent, type AgentDeps } from './create-agent.js';
export { DEFAULT_WORKLOAD_API_VERSION, gatewayHostWithPort, injectedModuleEnv, runtimeFingerprint, type AgentEnvironment } from './agent-environment.js';
export { deviceClientFactory, type AgentUpstream, type AgentTwinClientFactory } from './agent-cloud.js';
export { createCloudIdentityRegistry, deviceTokenAuthorization, type CloudIdentityRegistryOptions, type ModuleIdentityRecord, type ModuleIdentityRegistry } from './identity-registry.js';
export { MANAGED_BY, SYSTEM_MODULE_IDS, derivedPrimaryKey } from './module-identities.js';
export { createExecutors, classifyOutcome, runStep, runtimeFor, type Executors, type ExecutorContext, type ExecutorDeps, type RuntimesByType } from './executors.js';
export { wrapExecutors, logSteps, measureSteps, type ExecutorAround, type StepMetrics } from './executor-wrappers.js';
export { ReconcileLoop, type PassResult, type ReconcileLoopDeps } from './reconcile-loop.js';
export type { AgentTwinClient } from './desired-source.js';
export { RetryableStepError, PermanentStepError, PrerequisiteError, isStepError, stepErrorKind, type StepError, type StepErrorKind } from './step-errors.js';

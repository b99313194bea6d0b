// Module runtimes (the ModuleRuntime port and its Docker and process adapters) used by the agent's executors.
export type {
  ModuleRuntime,
  RuntimeModule,
  CreateModuleOptions,
  LogOptions,
  LogLine,
  RuntimeEvent,
  RuntimeEventAction,
} from './module-runtime.js';
export type { WorkloadSocketProvider, WorkloadSocketLocation, SocketOwner } from './workload-sockets.js';
export { VERGE_LABELS, AZURE_LABELS, VERGE_AZURE_OWNER, moduleLabels, parseRecordedSpec } from './labels.js';
export { containerNameFor, CONTAINER_PREFIX, MAX_CONTAINER_PREFIX_LENGTH } from './container-name.js';
export { AsyncQueue, type AsyncQueueOptions } from './async-queue.js';
export { DockerModuleRuntime, type DockerRuntimeOptions } from './docker/docker-runtime.js';
export { containerCreateOptions, mergeEnv, workloadBind, type ContainerConfigInput } from './docker/container-config.js';
export { pullError, containerError } from './docker/engine-errors.js';
export { ProcessModuleRuntime, type ProcessRuntimeOptions } from './process/process-runtime.js';
export { moduleUserRangeFor, allocateModuleUid, type ModuleUserRange } from './process/module-users.js';
export { findLaunchDenial, describeLaunchDenial, type ModuleLaunch, type LaunchDenial, type LaunchPart } from './process/launch-access.js';
export { findDenial, permits, type AccessUser, type AccessNeed, type AccessDenial, type PathFacts } from './process/module-access.js';

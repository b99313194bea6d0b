import type { EdgeAgentConfig, ModuleSpec, RegistryCredential } from '@verge/contracts';

/**
 * What the agent reconciles toward: the user modules of the last `$edgeAgent` deployment that passed validation.
 *
 * The system modules (`systemModules.edgeAgent`, `systemModules.edgeHub`) are NOT part of it: in Verge the agent
 * and the hub run inside the edge runtime process itself, so there is no container to plan for them. Their
 * reported properties come from {@link computeSystemModuleReport}.
 *
 * When no valid deployment has arrived yet, there is no desired state and the loop must not plan at all: planning
 * an empty module set removes every module Verge owns, which is right only for a deployment with no modules.
 */
export interface DesiredState {
  /**
   * The desired properties' `$version` (EA's `lastDesiredVersion`). Step failures and restart counters belong
   * to one generation: a new generation clears step backoff, parked failures and the 20-restart cap.
   */
  readonly generation: number;
  /** User modules (`modules.{id}`) by id. */
  readonly modules: ReadonlyMap<string, ModuleSpec>;
  /** `runtime.settings.registryCredentials`; a pull uses the one whose `address` is the image's registry. */
  readonly registryCredentials: Readonly<Record<string, RegistryCredential>>;
  /** `runtime.settings.loggingOptions` (stringified Docker `LogConfig`), passed on to `createModule`. */
  readonly loggingOptions?: string | undefined;
  /**
   * Identifies the settings the runtime adds to every module (injected `IOTEDGE_*` environment, workload socket
   * mount, gateway host and port). It enters every {@link configHash}, so a runtime restarted with different
   * settings recreates the modules it adopts instead of leaving them with stale environment. Default `''`.
   */
  readonly runtimeFingerprint?: string | undefined;
  /**
   * The generation id of each module's identity, where the runtime knows it (`IOTEDGE_MODULEGENERATIONID`, which
   * the workload API signs for). It enters that module's {@link configHash}: an identity deleted and created again
   * in the cloud has a new generation, and the module is recreated with it instead of signing for the old one.
   */
  readonly identityGenerations?: ReadonlyMap<string, string> | undefined;
}

/** Options of {@link desiredStateFromConfig}. */
export interface DesiredStateOptions {
  /** Used when the config carries no `desiredVersion` (a manifest not read from a twin). Default 0. */
  readonly generation?: number;
  /** See {@link DesiredState.runtimeFingerprint}. */
  readonly runtimeFingerprint?: string;
  /** See {@link DesiredState.identityGenerations}. */
  readonly identityGenerations?: ReadonlyMap<string, string>;
}

/** Builds the {@link DesiredState} from a validated `$edgeAgent` config (core `parseEdgeAgentDesired`). */
export function desiredStateFromConfig(config: EdgeAgentConfig, options: DesiredStateOptions = {}): DesiredState {
  const { loggingOptions } = config.runtime.settings;
  return {
    generation: config.desiredVersion ?? options.generation ?? 0,
    modules: new Map(Object.keys(config.modules).map((id) => [id, config.modules[id] as ModuleSpec])),
    registryCredentials: config.runtime.settings.registryCredentials,
    ...(loggingOptions === undefined || loggingOptions.trim() === '' ? {} : { loggingOptions }),
    ...(options.runtimeFingerprint === undefined ? {} : { runtimeFingerprint: options.runtimeFingerprint }),
    ...(options.identityGenerations === undefined ? {} : { identityGenerations: options.identityGenerations }),
  };
}

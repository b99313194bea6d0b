// Deployment manifests (`{ modulesContent }`, reference azure-iot-edge.md §1.6) for tests and scripts. The system
// modules are declared as Azure IoT Edge requires; Verge runs them inside the runtime process. Pure data builders:
// no Node APIs, so the built file also serves the scripts (`scripts/lib/edge-deployment.mjs`).

/** A JSON object. */
export type Json = Record<string, unknown>;

/** A deployment: `modulesContent` keyed by module id (`$edgeAgent`, `$edgeHub`, module twins). */
export interface Deployment {
  readonly modulesContent: Json;
}

/** The image of the declared `edgeAgent` / `edgeHub` system modules. */
export const EDGE_AGENT_IMAGE = 'mcr.microsoft.com/azureiotedge-agent:1.5';
export const EDGE_HUB_IMAGE = 'mcr.microsoft.com/azureiotedge-hub:1.5';

/** The route of leaf devices' telemetry (messages not from a module) to the cloud. */
export const LEAVES_TO_UPSTREAM = 'FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO $upstream';

/** A process module: `command args…`, running, restart `always`, plus `extra` fields (`env`, `startupOrder`…). */
export function processModule(command: string, args: readonly string[] = [], extra: Json = {}): Json {
  return { version: '1.0', type: 'process', status: 'running', restartPolicy: 'always', settings: { command, args: [...args] }, ...extra };
}

/** `env` of a module entry from plain strings (`{ K: 'v' }` → `{ K: { value: 'v' } }`). */
export function moduleEnv(env: Readonly<Record<string, string | number>>): Json {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, { value: String(v) }]));
}

/** `$edgeAgent` desired properties (schema 1.1) with the given user modules; `extra` adds or overrides fields. */
export function edgeAgentDesired(modules: Json, extra: Json = {}, o: { edgeHubCreateOptions?: string } = {}): Json {
  return {
    schemaVersion: '1.1',
    runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25', registryCredentials: {} } },
    systemModules: {
      edgeAgent: { type: 'docker', settings: { image: EDGE_AGENT_IMAGE, createOptions: '{}' } },
      edgeHub: {
        type: 'docker',
        status: 'running',
        restartPolicy: 'always',
        startupOrder: 0,
        settings: { image: EDGE_HUB_IMAGE, createOptions: o.edgeHubCreateOptions ?? '{}' },
      },
    },
    modules,
    ...extra,
  };
}

/** `$edgeHub` desired properties (schema 1.1): routes by name and the store-and-forward time to live. */
export function edgeHubDesired(routes: Readonly<Record<string, unknown>>, o: { timeToLiveSecs?: number } = {}): Json {
  return { schemaVersion: '1.1', routes: { ...routes }, storeAndForwardConfiguration: { timeToLiveSecs: o.timeToLiveSecs ?? 7200 } };
}

/** What {@link edgeDeployment} builds from. */
export interface DeploymentSpec {
  /** `$edgeAgent`'s `modules`, by module id. */
  readonly modules: Json;
  /** `$edgeHub`'s routes, by name. */
  readonly routes: Readonly<Record<string, unknown>>;
  /** Desired properties of module twins, by module id. */
  readonly moduleDesired?: Readonly<Record<string, Json>>;
  readonly timeToLiveSecs?: number;
  readonly edgeHubCreateOptions?: string;
}

/** The whole deployment: `$edgeAgent`, `$edgeHub` and the module twins' desired properties. */
export function edgeDeployment(spec: DeploymentSpec): Deployment {
  return {
    modulesContent: {
      $edgeAgent: { 'properties.desired': edgeAgentDesired(spec.modules, {}, spec.edgeHubCreateOptions === undefined ? {} : { edgeHubCreateOptions: spec.edgeHubCreateOptions }) },
      $edgeHub: { 'properties.desired': edgeHubDesired(spec.routes, spec.timeToLiveSecs === undefined ? {} : { timeToLiveSecs: spec.timeToLiveSecs }) },
      ...Object.fromEntries(Object.entries(spec.moduleDesired ?? {}).map(([id, desired]) => [id, { 'properties.desired': desired }])),
    },
  };
}

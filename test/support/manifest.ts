import { join } from 'node:path';
import { MODULES_DIR, NODE_MODULES_DIR } from './edge.js';

/** How a test module runs. */
export type ModuleRunner =
  | { readonly kind: 'process'; readonly node: string; /** Where the module files are (default test/modules; see stageModules). */ readonly modulesDir?: string }
  | { readonly kind: 'docker'; readonly image: string; readonly runId: string };

/** One module of the test deployment: a file of test/modules plus its env and restart policy. */
export interface TestModule {
  readonly file: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly restartPolicy?: 'never' | 'on-failure' | 'on-unhealthy' | 'always';
  readonly status?: 'running' | 'stopped';
}

// The container sees the repository's node_modules at /app/node_modules and the module files at /app/modules, so
// `import 'azure-iot-device'` in /app/modules/x.mjs resolves exactly as on the host.
const CONTAINER_APP = '/app';

/** The `modules.{id}` entry of a test module. */
export function moduleEntry(runner: ModuleRunner, m: TestModule, startupOrder = 1): Record<string, unknown> {
  const env = Object.fromEntries(Object.entries(m.env ?? {}).map(([k, v]) => [k, { value: v }]));
  const common = { version: '1.0', status: m.status ?? 'running', restartPolicy: m.restartPolicy ?? 'always', startupOrder, env };
  if (runner.kind === 'process') {
    return { ...common, type: 'process', settings: { command: runner.node, args: [join(runner.modulesDir ?? MODULES_DIR, m.file)] } };
  }
  const createOptions = {
    Cmd: ['node', `${CONTAINER_APP}/modules/${m.file}`],
    WorkingDir: CONTAINER_APP,
    Labels: { 'verge-test-run': runner.runId },
    HostConfig: { NetworkMode: 'host', Binds: [`${NODE_MODULES_DIR}:${CONTAINER_APP}/node_modules:ro`, `${MODULES_DIR}:${CONTAINER_APP}/modules:ro`] },
  };
  return { ...common, type: 'docker', imagePullPolicy: 'never', settings: { image: runner.image, createOptions: JSON.stringify(createOptions) } };
}

/** Module ids of the pipeline: A (producer.mjs) and B (filter.mjs). */
export interface PipelineIds {
  readonly producer: string;
  readonly filter: string;
}

/** The route of leaf devices' telemetry (messages not from a module) to the cloud. */
export const LEAVES_TO_UPSTREAM = 'FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO $upstream';

/** The default ids. */
export const PIPELINE_IDS: PipelineIds = { producer: 'producer', filter: 'filter' };

/** The pipeline of the issue: A's output → B's input `in`, B's output → `$upstream`; leaf devices → `$upstream`. */
export function pipelineRoutes(ids: PipelineIds = PIPELINE_IDS): Record<string, string> {
  return {
    producerToFilter: `FROM /messages/modules/${ids.producer}/outputs/out INTO BrokeredEndpoint("/modules/${ids.filter}/inputs/in")`,
    filterToCloud: `FROM /messages/modules/${ids.filter}/outputs/out INTO $upstream`,
    leavesToCloud: LEAVES_TO_UPSTREAM,
  };
}

/**
 * A deployment (`modulesContent`) with the given modules and routes, plus desired properties of module twins
 * (`moduleDesired`). The system modules are declared as Azure requires; Verge runs them inside the runtime process.
 */
export function deployment(
  runner: ModuleRunner,
  modules: Readonly<Record<string, TestModule>>,
  o: { routes?: Readonly<Record<string, string>>; moduleDesired?: Readonly<Record<string, Record<string, unknown>>> } = {},
): { modulesContent: Record<string, unknown> } {
  const moduleEntries = Object.fromEntries(Object.entries(modules).map(([id, m]) => [id, moduleEntry(runner, m)]));
  return {
    modulesContent: {
      $edgeAgent: {
        'properties.desired': {
          schemaVersion: '1.1',
          runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25', registryCredentials: {} } },
          systemModules: {
            edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5', createOptions: '{}' } },
            edgeHub: {
              type: 'docker',
              status: 'running',
              restartPolicy: 'always',
              startupOrder: 0,
              settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5', createOptions: '{}' },
            },
          },
          modules: moduleEntries,
        },
      },
      $edgeHub: {
        'properties.desired': {
          schemaVersion: '1.1',
          routes: o.routes ?? pipelineRoutes(),
          storeAndForwardConfiguration: { timeToLiveSecs: 7200 },
        },
      },
      ...Object.fromEntries(Object.entries(o.moduleDesired ?? {}).map(([id, desired]) => [id, { 'properties.desired': desired }])),
    },
  };
}

import { join } from 'node:path';
import { LEAVES_TO_UPSTREAM, edgeDeployment, moduleEnv, type Deployment } from '../manifest/index.js';
import { MODULES_DIR, NODE_MODULES_DIR } from './repo-paths.js';

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
  const env = moduleEnv(m.env ?? {});
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

/** A deployment (`modulesContent`) of test modules run by `runner`, with routes and module twins' desired properties. */
export function deployment(
  runner: ModuleRunner,
  modules: Readonly<Record<string, TestModule>>,
  o: { routes?: Readonly<Record<string, string>>; moduleDesired?: Readonly<Record<string, Record<string, unknown>>> } = {},
): Deployment {
  return edgeDeployment({
    modules: Object.fromEntries(Object.entries(modules).map(([id, m]) => [id, moduleEntry(runner, m)])),
    routes: o.routes ?? pipelineRoutes(),
    ...(o.moduleDesired === undefined ? {} : { moduleDesired: o.moduleDesired }),
  });
}

/**
 * The fault tests' deployment: one process module `producer` (producer.mjs, a numbered message every `intervalMs`,
 * counted per run) routed to `$upstream`, and `extraRoutes` beside it.
 */
export function producerToUpstream(intervalMs: number, extraRoutes: Readonly<Record<string, string>> = {}): Deployment {
  return deployment({ kind: 'process', node: process.execPath }, { producer: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: String(intervalMs) } } }, {
    routes: { up: 'FROM /messages/modules/producer/outputs/out INTO $upstream', ...extraRoutes },
  });
}

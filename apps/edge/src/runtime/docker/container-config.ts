import type { DockerModuleSpec } from '@verge/contracts';
import { posix } from 'node:path';
import { PermanentStepError } from '../../agent/step-errors.js';
import { containerNameFor } from '../container-name.js';
import { moduleLabels } from '../labels.js';
import type { WorkloadSocketLocation } from '../workload-sockets.js';
import type { ModuleNetworkGateway } from './module-network.js';
import { applyModuleNetwork, joinsModuleNetwork } from './module-network-options.js';

type Json = Record<string, unknown>;

/** Inputs of {@link containerCreateOptions}. */
export interface ContainerConfigInput {
  readonly spec: DockerModuleSpec;
  readonly ownerId: string;
  /** `--container-prefix` put in front of the container name; empty or absent → the module's own name. */
  readonly containerPrefix?: string | undefined;
  readonly configHash: string;
  /** Injected environment (IOTEDGE_*), merged over the module's env. */
  readonly env: Readonly<Record<string, string>>;
  readonly loggingOptions?: string | undefined;
  /** The module's workload socket on the host, when `IOTEDGE_WORKLOADURI` is a unix socket to mount. */
  readonly workload?: WorkloadSocketLocation | undefined;
  /** The module network, when the runtime has one; joined only when createOptions ask for no other network. */
  readonly network?: ModuleNetworkGateway | undefined;
}

/**
 * The Engine API `ContainerCreate` body of a module (what EA's CreateOrUpdateCommand builds): the module's
 * `createOptions`, MERGED with what the runtime needs and which therefore wins over the user's values:
 * - `Image` = `settings.image`; `name` = {@link containerNameFor}(id, containerPrefix);
 * - `Env`: createOptions `Env`, then the module's `env`, then the injected env; a later value of a name wins;
 * - `Labels`: createOptions `Labels` plus the Verge and `net.azure-devices.edge.*` labels (labels.ts);
 * - `HostConfig.RestartPolicy` = `no`: the agent applies the restart policy (reference §2.5), never the engine;
 * - `HostConfig.AutoRemove` dropped: an engine that removes the container on exit takes its exit code and logs with
 *   it, and the agent, seeing no container, would create a new one at once: a crash loop past restart policy and
 *   cool-off;
 * - `HostConfig.LogConfig` from `loggingOptions` when createOptions sets none (EA does the same);
 * - `HostConfig.Binds` + the workload socket's directory at the directory of the path `IOTEDGE_WORKLOADURI` names
 *   (EA `MountSockets`); a user bind onto that same directory is replaced;
 * - with a module `network` and no other network asked for (module-network-options.ts): the network, an alias,
 *   `ExtraHosts` `{gateway host}:{gateway ip}`, and `IOTEDGE_GATEWAYHOSTNAME` = the gateway host name alone (the
 *   hub listens on 8883 there, whatever `--mqtt-port` is).
 * Throws PermanentStepError AGT_RUNTIME_SPEC_INVALID (a field of the wrong JSON type, naming its path) or
 * AGT_WORKLOAD_URI_INVALID (a socket path that cannot be mounted).
 */
export function containerCreateOptions(input: ContainerConfigInput): Json & { name: string } {
  const { spec } = input;
  const options: Json = structuredClone(spec.settings.createOptions);
  const hostConfig = objectField(options, 'HostConfig');
  const network = input.network !== undefined && joinsModuleNetwork(options, input.network.name) ? input.network : undefined;
  const env = network === undefined ? input.env : { ...input.env, IOTEDGE_GATEWAYHOSTNAME: network.hostName };
  options['Image'] = spec.settings.image;
  options['Env'] = mergeEnv(stringArrayField(options, 'Env'), spec.env, env);
  options['Labels'] = { ...stringRecordField(options, 'Labels'), ...moduleLabels(spec, input.ownerId, input.configHash) };
  hostConfig['RestartPolicy'] = { Name: 'no', MaximumRetryCount: 0 };
  delete hostConfig['AutoRemove'];
  const logConfig = parseLoggingOptions(input.loggingOptions);
  if (hostConfig['LogConfig'] === undefined && logConfig !== undefined) hostConfig['LogConfig'] = logConfig;
  const mount = workloadBind(input.env['IOTEDGE_WORKLOADURI'], input.workload);
  if (mount !== undefined) {
    const binds = stringArrayField(hostConfig, 'Binds', 'HostConfig.Binds').filter((bind) => bindTarget(bind) !== mount.target);
    hostConfig['Binds'] = [...binds, `${mount.source}:${mount.target}:ro`];
  }
  if (network !== undefined) applyModuleNetwork(options, hostConfig, spec.id, network);
  options['HostConfig'] = hostConfig;
  return { ...options, name: containerNameFor(spec.id, input.containerPrefix) };
}

/**
 * `NAME=value` lines: `base` (createOptions `Env`) overridden by `moduleEnv`, then by `injected` (reference §6.1:
 * injected wins). A bare `NAME` in `base` that nothing overrides stays bare: to Docker it means "remove NAME",
 * which also hides the image's own value, not "NAME is empty".
 */
export function mergeEnv(base: readonly string[], moduleEnv: Readonly<Record<string, string>>, injected: Readonly<Record<string, string>>): string[] {
  const merged = new Map<string, string | undefined>();
  for (const line of base) {
    const eq = line.indexOf('=');
    merged.set(eq < 0 ? line : line.slice(0, eq), eq < 0 ? undefined : line.slice(eq + 1));
  }
  for (const [name, value] of Object.entries(moduleEnv)) merged.set(name, value);
  for (const [name, value] of Object.entries(injected)) merged.set(name, value);
  return [...merged].map(([name, value]) => (value === undefined ? name : `${name}=${value}`));
}

/** The bind (host directory → container directory) that puts the module's socket where `workloadUri` points. */
export function workloadBind(workloadUri: string | undefined, workload: WorkloadSocketLocation | undefined): { source: string; target: string } | undefined {
  if (workloadUri === undefined || workload === undefined || !workloadUri.startsWith('unix://')) return undefined;
  const path = socketPathOf(workloadUri);
  const target = posix.dirname(path);
  if (!posix.isAbsolute(path) || target === '/' || posix.basename(path) !== workload.fileName) {
    throw new PermanentStepError(
      'AGT_WORKLOAD_URI_INVALID',
      `IOTEDGE_WORKLOADURI ${JSON.stringify(workloadUri)} must name a socket file "${workload.fileName}" in a directory below "/" (its directory is mounted)`,
    );
  }
  return { source: workload.hostDir, target };
}

function socketPathOf(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return '';
  }
}

function bindTarget(bind: string): string {
  const parts = bind.split(':');
  const target = posix.normalize(parts[1] ?? parts[0] ?? '');
  return target.length > 1 ? target.replace(/\/+$/, '') : target;
}

function parseLoggingOptions(text: string | undefined): Json | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid('runtime.settings.loggingOptions', 'must be a JSON object (Docker LogConfig)');
  }
  return isObject(value) ? value : invalid('runtime.settings.loggingOptions', 'must be a JSON object (Docker LogConfig)');
}

function objectField(options: Json, key: string): Json {
  const value = options[key];
  if (value === undefined || value === null) return {};
  return isObject(value) ? value : invalid(key, 'must be an object');
}

function stringArrayField(options: Json, key: string, path = key): string[] {
  const value = options[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return invalid(path, 'must be an array of strings');
  value.forEach((item, i) => {
    if (typeof item !== 'string') invalid(`${path}[${i}]`, 'must be a string');
  });
  return value as string[];
}

function stringRecordField(options: Json, key: string): Record<string, string> {
  const value = options[key];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) return invalid(key, 'must be an object of strings');
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string') invalid(`${key}.${name}`, 'must be a string');
  }
  return value as Record<string, string>;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(path: string, rule: string): never {
  const where = path.startsWith('runtime.') ? path : `settings.createOptions.${path}`;
  throw new PermanentStepError('AGT_RUNTIME_SPEC_INVALID', `${where} ${rule}`);
}

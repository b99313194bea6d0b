import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { VergeError } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import type { RuntimesByType } from './agent/index.js';
import type { DockerEndpointConfig, EdgeConfig } from './config.js';
import { pingDockerEngine, type DockerPingTarget } from './docker-ping.js';
import { moduleNetworkHostName } from './module-network-host.js';
import { DockerModuleRuntime } from './runtime/docker/docker-runtime.js';
import { ModuleNetwork, type ModuleNetworkGateway } from './runtime/docker/module-network.js';
import { moduleUserRangeFor } from './runtime/process/module-users.js';
import { ProcessModuleRuntime } from './runtime/process/process-runtime.js';
import type { WorkloadSocketProvider } from './runtime/workload-sockets.js';

/** How long `--runtime auto` waits for the Docker engine to answer `GET /_ping`. */
export const DOCKER_PING_TIMEOUT_MS = 3_000;
const OWNER_FILE = 'runtime-id';

/** The module runtimes of one edge runtime instance, and what was decided about Docker. */
export interface OpenedRuntimes {
  readonly runtimes: RuntimesByType;
  /** `docker: <endpoint>` or `none: <reason>`, for the start banner and logs. */
  readonly docker: { readonly used: true; readonly endpoint: string } | { readonly used: false; readonly reason: string };
}

/**
 * Opens the module runtimes. Process modules (`"type": "process"`) can always run: the process runtime needs
 * nothing. `--runtime` decides Docker modules: `docker` uses the engine at DOCKER_HOST (or the default socket) even
 * when it does not answer yet (the agent backs off until it does, as edged waits for dockerd); `auto` uses it only
 * when it answers now; `process` never. Containers are labelled with this data directory's owner id
 * (`{data}/runtime-id`), so a restarted runtime adopts exactly its own containers.
 */
export async function openModuleRuntimes(
  config: EdgeConfig,
  workloadSockets: WorkloadSocketProvider,
  log: Logger,
  /** The module network exists: the hub must listen on its gateway (rejects when it cannot). */
  moduleNetworkReady: (gateway: ModuleNetworkGateway) => Promise<void> = () => Promise.reject(new Error('no edge hub listens for the module network')),
): Promise<OpenedRuntimes> {
  const processRuntime = await ProcessModuleRuntime.open({
    dataDir: join(config.dataDir, 'modules'),
    baseEnv: config.processBaseEnv,
    workloadSockets,
    orphanStopTimeoutMs: config.stopTimeoutMs,
    ...(config.processUser === 'dedicated' ? { moduleUsers: moduleUserRangeFor(config.dataDir), moduleHomesDir: config.processHomesDir } : {}),
  });
  if (config.processUser === 'runtime') {
    log.info({ processUser: config.processUser }, 'process modules run as the runtime\'s own user: each can open the other modules\' workload sockets and files (run the runtime as root for --process-user dedicated)');
  }
  const docker = await chooseDocker(config, log);
  if (docker.client === undefined) return { runtimes: { process: processRuntime }, docker: { used: false, reason: docker.reason } };
  const ownerId = await ownerIdOf(config.dataDir);
  const moduleNetwork = new ModuleNetwork({
    docker: docker.client,
    endpoint: config.docker.description,
    name: config.moduleNetwork,
    hostName: moduleNetworkHostName(config.hostname),
    ready: moduleNetworkReady,
  });
  const dockerRuntime = new DockerModuleRuntime({
    docker: docker.client,
    endpoint: config.docker.description,
    ownerId,
    containerPrefix: config.containerPrefix,
    workloadSockets,
    moduleNetwork,
  });
  return { runtimes: { docker: dockerRuntime, process: processRuntime }, docker: { used: true, endpoint: config.docker.description } };
}

async function chooseDocker(config: EdgeConfig, log: Logger): Promise<{ client?: Dockerode; reason: string }> {
  if (config.runtime === 'process') return { reason: '--runtime process' };
  const endpoint = config.docker;
  if (endpoint.kind === 'unsupported') {
    if (config.runtime === 'docker') throw new VergeError('EDGE_RUNTIME_UNAVAILABLE', `--runtime docker: ${endpoint.reason}`);
    return { reason: endpoint.reason };
  }
  const options = await dockerOptions(endpoint);
  const ping = await pingDockerEngine(pingTarget(options), DOCKER_PING_TIMEOUT_MS);
  // dockerode (with gRPC, protobufjs, ssh2) is loaded only once Docker modules can run: ~26 MB less RSS without it.
  if (ping === undefined) return { client: await dockerClient(options), reason: '' };
  if (config.runtime === 'docker') {
    log.warn({ endpoint: endpoint.description, reason: ping }, 'the Docker engine does not answer yet; Docker modules start once it does');
    return { client: await dockerClient(options), reason: '' };
  }
  log.info({ endpoint: endpoint.description, reason: ping }, 'no Docker engine answered (--runtime auto): only process modules can run');
  return { reason: `no Docker engine answered at ${endpoint.description}: ${ping}` };
}

async function dockerOptions(endpoint: Exclude<DockerEndpointConfig, { kind: 'unsupported' }>): Promise<Dockerode.DockerOptions> {
  // host/port/protocol/socketPath are all given on purpose: docker-modem merges its own reading of process.env under
  // these options, and the endpoint chosen by config.ts must win.
  if (endpoint.kind === 'unix') return { socketPath: endpoint.socketPath, host: undefined, port: undefined, protocol: undefined };
  if (endpoint.tlsCertDir === undefined) return { host: endpoint.host, port: endpoint.port, protocol: 'http', socketPath: undefined };
  const read = async (name: string): Promise<Buffer> => {
    const path = join(endpoint.tlsCertDir ?? '', name);
    try {
      return await readFile(path);
    } catch (e) {
      throw new VergeError('EDGE_RUNTIME_UNAVAILABLE', `${endpoint.description} with DOCKER_TLS_VERIFY: cannot read ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  return { host: endpoint.host, port: endpoint.port, protocol: 'https', socketPath: undefined, ca: await read('ca.pem'), cert: await read('cert.pem'), key: await read('key.pem') };
}

async function dockerClient(options: Dockerode.DockerOptions): Promise<Dockerode> {
  const { default: DockerClient } = await import('dockerode');
  return new DockerClient(options);
}

/** Where `GET /_ping` reaches the engine of `endpoint` (`verge edge check`); throws EDGE_RUNTIME_UNAVAILABLE for unreadable TLS files. */
export async function dockerPingTargetOf(endpoint: Exclude<DockerEndpointConfig, { kind: 'unsupported' }>): Promise<DockerPingTarget> {
  return pingTarget(await dockerOptions(endpoint));
}

/** The engine address of the options chosen by {@link dockerOptions}, for the plain-HTTP ping. */
function pingTarget(o: Dockerode.DockerOptions): DockerPingTarget {
  if (o.socketPath !== undefined) return { socketPath: o.socketPath };
  const tls = o.ca !== undefined && o.cert !== undefined && o.key !== undefined ? { ca: o.ca as Buffer, cert: o.cert as Buffer, key: o.key as Buffer } : undefined;
  return { host: String(o.host), port: Number(o.port), tls };
}

/** The owner id written on this runtime's containers, created once per data directory. */
async function ownerIdOf(dataDir: string): Promise<string> {
  const path = join(dataDir, OWNER_FILE);
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (/^[A-Za-z0-9._-]{1,128}$/.test(text)) return text;
    throw new VergeError('EDGE_CONFIG_INVALID', `${path} holds no valid runtime id; delete it to create a new one (existing containers are then no longer adopted)`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const id = `verge-edge-${randomUUID()}`;
  await writeFile(path, `${id}\n`, { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
  });
  return (await readFile(path, 'utf8')).trim();
}

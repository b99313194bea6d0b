import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { arch, platform, release } from 'node:os';
import { join, resolve } from 'node:path';
import { VergeError, isVergeError, MANAGEMENT_SOCKET_FILE } from '@verge/contracts';
import { createSasToken, deviceResource } from '@verge/core';
import { type IotHubMqttLimits } from '@verge/iothub-mqtt';
import { createLogger, runStopSteps, splitPemCertificates, type Logger } from '@verge/platform';
import { createAgent, createCloudIdentityRegistry, type Agent, type AgentEnvironment } from './agent/index.js';
import { checkCloudCredentials } from './cloud-check.js';
import { lockEdgeDataDir, type DataDirLock } from './data-dir-lock.js';
import { readInstalledEdgeConfig } from './config-file.js';
import { DEFAULT_EDGE_DATA_DIR, parseEdgeConfig, type EdgeConfig, type EdgeConfigInput } from './config.js';
import { prepareEdgeDataDir } from './edge-data-dir.js';
import { ensureEdgeCa, type EdgeCaResult } from './edge-ca.js';
import { createEdgeHub, createEdgeHubScopeSource, type EdgeHub, type EdgeHubStatus } from './hub/index.js';
import { createEdgeMetrics, startMetricsServer, type MetricsServer } from './metrics/index.js';
import { moduleNetworkHostName } from './module-network-host.js';
import { openModuleRuntimes, type OpenedRuntimes } from './module-runtimes.js';
import type { RuntimeModule } from './runtime/index.js';
import { EDGE_RUNTIME_VERSION } from './runtime-version.js';
import { buildTrustBundle, workloadModuleOf, WorkloadServer } from './workload/index.js';

/** Injection points of {@link startEdge} (tests, benchmarks); production uses the defaults. */
export interface StartEdgeOptions {
  readonly log?: Logger;
  /** The environment config.ts reads (DOCKER_HOST, PATH, …); default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Limits of the hub's MQTT server (admission control per address, packet sizes, …) over the platform defaults. */
  readonly mqttLimits?: Partial<IotHubMqttLimits>;
}

/** A started edge runtime. */
export interface RunningEdge {
  readonly config: Readonly<EdgeConfig>;
  /** The runtime's logger (the given one, or one at the configured level). */
  readonly log: Logger;
  /** The bound MQTT port of the edge hub (the configured one, or the one picked for 0). */
  /** The hub's bound ports: MQTT over TLS, and HTTPS (direct methods from modules, MQTT over WebSockets). */
  readonly ports: { readonly mqtt: number; readonly https: number };
  /** The shared workload listener's URI (with the actual port for `http://…:0`), only when explicitly allowed. */
  readonly workloadUri: string | undefined;
  /** Directory of the per-module workload sockets (`<dir>/<module>/workload.sock`), when modules get their own. */
  readonly moduleSocketsDir: string | undefined;
  /** The edge CA certificate leaf devices must trust. */
  readonly edgeCaPath: string;
  readonly edgeCaPem: string;
  /** The management API socket (`verge edge list|logs|restart`). */
  readonly managementSocketPath: string;
  /** The Prometheus endpoint (`http://127.0.0.1:9600/metrics` by default); undefined when metrics are off. */
  readonly metricsUrl: string | undefined;
  /** Which runtimes run modules. */
  readonly runtimes: { readonly docker: string | undefined; readonly process: true };
  hubStatus(): EdgeHubStatus;
  /** True while the agent's `$edgeAgent` link to the cloud is up. */
  readonly agentConnected: boolean;
  /**
   * Stops agent (reports "shutting down"; containers keep running and are adopted next start; process modules get
   * SIGTERM, then SIGKILL after the grace period), hub (acknowledged messages stay stored) and workload API.
   * Idempotent.
   */
  stop(): Promise<void>;
}

/** What has been started, so shutdown (or a failed start) stops exactly that, in reverse order. */
interface Parts {
  workload?: WorkloadServer;
  runtimes?: OpenedRuntimes;
  hub?: EdgeHub;
  agent?: Agent;
  metrics?: MetricsServer | undefined;
  dataDirLock?: DataDirLock;
}

// Tokens the runtime mints for its own REST calls (identity registry, device scope) live this long.
const REST_TOKEN_TTL_SEC = 3600;
// How long the start-up credential check waits for the cloud before starting offline.
const CLOUD_CHECK_TIMEOUT_MS = 5_000;
const VERSION = EDGE_RUNTIME_VERSION.version;

/**
 * The edge runtime's composition root (issue #4): workload API, edge hub and edge agent in one process, wired only
 * through their contracts (AgentDeps, EdgeHubDeps, WorkloadContext) so they could run as separate processes.
 * Start order: installed config file < environment < `input` → private data directory (0700, secrets 0600; one
 * line naming it when unwritable) → the credential check against the cloud begins (fatal on 401/403 or an untrusted
 * certificate, offline when it does not answer) and runs on in parallel → edge CA → workload API (module sockets must
 * listen before modules start) → hub (routes from its saved state, store resumes, listener up) and module runtimes
 * (Docker probe) in parallel → agent (knows the hub's port for IOTEDGE_GATEWAYHOSTNAME, loads the cached identities
 * the hub authenticates modules with, reconciles, connects to the cloud) → the credential check's answer. The hub
 * thus accepts modules and leaf devices before the cloud has answered (issue #8: restart-to-accept ≤ 1 s); a refused
 * credential still fails the start. On failure everything already started is stopped and the error is rethrown (the
 * credential check's error first, then EDGE_START_FAILED naming the part, or the part's own VergeError).
 * Each phase's end is logged at debug (`start phase`, ms since the process started).
 */
export async function startEdge(input: EdgeConfigInput, options: StartEdgeOptions = {}): Promise<RunningEdge> {
  const file = await readInstalledEdgeConfig(resolve(input.dataDir ?? DEFAULT_EDGE_DATA_DIR));
  const config = parseEdgeConfig(input, options.env, file);
  const log = options.log ?? createLogger({ service: 'edge', level: config.logLevel });
  const phase = startPhaseLog(log);
  phase('config');
  const startedAtMs = Date.now();
  const parts: Parts = {};
  let cloudCheck: Promise<void> | undefined;
  try {
    await prepareEdgeDataDir(config, log);
    parts.dataDirLock = lockEdgeDataDir(config.dataDir);
    const cloudCa = await readCloudCa(config);
    phase('data directory');
    cloudCheck = verifyCloud(config, cloudCa, log).then(() => phase('cloud check'));
    // Awaited below (or in the catch); this only keeps an early rejection from counting as unhandled meanwhile.
    cloudCheck.catch(() => undefined);
    if (config.workloadUri !== undefined) {
      log.warn({ workloadUri: config.workloadUri }, 'INSECURE: a shared workload API listener is enabled (--insecure-shared-workload-api): any local process that reaches it can sign as any module');
    }
    const edgeCa = await step('edge CA', () => ensureEdgeCa(config.dataDir, config.device.deviceId, log));
    log.info({ action: edgeCa.action, path: edgeCa.certPath, notAfter: edgeCa.notAfter.toISOString() }, 'edge CA');
    phase('edge CA');
    const { device } = config;
    const trustBundle = buildTrustBundle(edgeCa.ca, cloudCa === undefined ? [] : [cloudCa]);
    const resolveModule = (moduleId: string): { readonly generationId: string } | undefined => parts.agent?.resolveModule(moduleId);

    const workload = await step('workload API', () =>
      WorkloadServer.start({
        uri: config.workloadUri,
        moduleSocketsDir: config.moduleSocketsDir,
        processSocketsDir: config.processSocketsDir,
        log: log.child({ component: 'workload-api' }),
        context: {
          deviceKey: device.sharedAccessKey,
          resolveModule,
          trustBundlePem: () => trustBundle,
          edgeCa: edgeCa.ca,
          listModules: async () => (await observeAll(parts.runtimes)).map((m) => workloadModuleOf(m)),
          nowMs: Date.now,
        },
      }),
    );
    parts.workload = workload;
    phase('workload API');
    const metrics = createEdgeMetrics({
      iotHubHostName: device.hubHostName,
      deviceId: device.deviceId,
      dataDir: config.dataDir,
      version: VERSION,
      runtimeStartedAtMs: startedAtMs,
      hub: () => parts.hub?.metrics,
      modules: () => parts.agent?.listModules() ?? Promise.resolve([]),
    });
    if (config.metrics !== undefined) parts.metrics = await startMetricsServer(metrics, config.metrics, log.child({ component: 'metrics' }));
    // The module network's gateway is known once a container module needs it; the hub then listens there too.
    const moduleNetworkReady = (gateway: { readonly gatewayIp: string }): Promise<void> =>
      parts.hub === undefined ? Promise.reject(new Error('the edge hub is not started yet')) : parts.hub.listenForModules(gateway.gatewayIp);
    const runtimesOpened = step('module runtimes', () => openModuleRuntimes(config, workload, log.child({ component: 'runtimes' }), moduleNetworkReady)).then((r) => {
      parts.runtimes = r;
      phase('module runtimes');
      return r;
    });

    const hub = createEdgeHub({
      options: { dataDir: join(config.dataDir, 'hub'), hostname: config.hostname, listenHost: config.bindAddress, mqttPort: config.mqttPort, httpsPort: config.httpsPort, maxStoreBytes: config.storeMaxBytes },
      log,
      mqttLimits: { ...config.mqttLimits, ...options.mqttLimits },
      device: { iotHubHostName: device.hubHostName, deviceId: device.deviceId, deviceKey: device.sharedAccessKey },
      resolveModule,
      edgeCa: edgeCa.ca,
      upstream: { ...device.cloudMqtt, ...(cloudCa === undefined ? {} : { ca: cloudCa }) },
      deviceScope: createEdgeHubScopeSource({
        baseUrl: config.cloudApiUrl,
        ...(cloudCa === undefined ? {} : { ca: cloudCa }),
        iotHubHostName: device.hubHostName,
        deviceId: device.deviceId,
        deviceKey: device.sharedAccessKey,
        resolveModule,
        tokenTtlSec: REST_TOKEN_TTL_SEC,
      }),
    });
    parts.hub = hub;
    const hubStarted = step('edge hub', () => hub.start().catch((e: unknown) => Promise.reject(listenError(config, e)))).then((r) => {
      phase('edge hub');
      return r;
    });
    // Both settle before a failure propagates, so that the catch stops whichever of them did start.
    const [{ port }, runtimes] = await allSettledOrThrow([hubStarted, runtimesOpened] as const);

    const agent = createAgent({
      environment: agentEnvironment(config, port, workload, createHash('sha256').update(trustBundle).digest('hex')),
      deviceKey: device.sharedAccessKey,
      stateDir: join(config.dataDir, 'agent'),
      dataDir: config.dataDir,
      managementSocketPath: join(config.dataDir, MANAGEMENT_SOCKET_FILE),
      runtimes: runtimes.runtimes,
      hub,
      deadLetters: hub.deadLetters,
      identityRegistry: createCloudIdentityRegistry({
        baseUrl: config.cloudApiUrl,
        deviceId: device.deviceId,
        authorization: () => deviceToken(config),
        ...(cloudCa === undefined ? {} : { ca: cloudCa }),
      }),
      upstream: { hubHostName: device.hubHostName, deviceId: device.deviceId, ...device.cloudMqtt, ...(cloudCa === undefined ? {} : { ca: cloudCa }) },
      log,
      runtimeStartedAtMs: startedAtMs,
      stepMetrics: metrics.steps,
    });
    parts.agent = agent;
    await step('edge agent', () => agent.start());
    phase('edge agent');
    await cloudCheck;
    log.info(
      { deviceId: device.deviceId, mqttPort: port, workloadUri: workload.uri, moduleSockets: workload.moduleSocketsDir, processUser: config.processUser, docker: runtimes.docker, dataDir: config.dataDir, edgeCa: edgeCa.certPath },
      'edge runtime started',
    );
    return running(config, parts, { port, workload, edgeCa, log });
  } catch (e) {
    // A refused credential or an untrusted cloud certificate is the reason to report, whatever failed after it began.
    const checkFailure = await cloudCheck?.then(
      () => undefined,
      (err: unknown) => err,
    );
    await stopParts(parts, log);
    throw checkFailure ?? e;
  }
}

/** Logs the end of each start phase at debug, in ms since the process started (restart-to-accept, issue #8). */
function startPhaseLog(log: Logger): (phase: string) => void {
  return (phase) => log.debug({ phase, sinceProcessStartMs: Math.round(performance.now()) }, 'start phase');
}

/** Awaits every promise; once all have settled, throws the first rejection in argument order, else the values. */
async function allSettledOrThrow<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function running(config: EdgeConfig, parts: Parts, s: { port: number; workload: WorkloadServer; edgeCa: EdgeCaResult; log: Logger }): RunningEdge {
  let stopping: Promise<void> | undefined;
  const docker = parts.runtimes?.docker;
  return {
    config,
    log: s.log,
    ports: { mqtt: s.port, https: (parts.hub as EdgeHub).status().httpsPort ?? config.httpsPort },
    workloadUri: s.workload.uri,
    moduleSocketsDir: s.workload.moduleSocketsDir,
    edgeCaPath: s.edgeCa.certPath,
    edgeCaPem: s.edgeCa.ca.certificatePem,
    managementSocketPath: join(config.dataDir, MANAGEMENT_SOCKET_FILE),
    metricsUrl: parts.metrics?.url,
    runtimes: { docker: docker?.used === true ? docker.endpoint : undefined, process: true },
    hubStatus: () => (parts.hub as EdgeHub).status(),
    get agentConnected() {
      return parts.agent?.connected ?? false;
    },
    stop: () => {
      stopping ??= (async () => {
        s.log.info('edge runtime stopping');
        await stopParts(parts, s.log);
        s.log.info('edge runtime stopped');
      })();
      return stopping;
    },
  };
}

/**
 * Agent first (it reports "shutting down" while the cloud link is up, and closes the runtimes: containers keep
 * running, process modules are stopped gracefully), then the hub (no client is left to serve; what it acknowledged
 * stays in its store), then the workload API (module sockets go away last, after the modules that used them).
 */
async function stopParts(parts: Parts, log: Logger): Promise<void> {
  await runStopSteps(
    [
      { name: 'agent', stop: () => parts.agent?.stop() },
      // Without an agent the runtimes were never handed over: close them here (the agent closes them otherwise).
      { name: 'runtimes', stop: () => (parts.agent === undefined ? closeRuntimes(parts.runtimes, log) : undefined) },
      { name: 'hub', stop: () => parts.hub?.stop() },
      { name: 'workload API', stop: () => parts.workload?.close() },
      { name: 'metrics', stop: () => parts.metrics?.close() },
      // Last: the directory is free for another runtime only once nothing of this one uses it.
      { name: 'data directory lock', stop: () => parts.dataDirLock?.release() },
    ],
    { log },
  );
}

async function closeRuntimes(runtimes: OpenedRuntimes | undefined, log: Logger): Promise<void> {
  await runStopSteps(
    Object.entries(runtimes?.runtimes ?? {}).map(([type, runtime]) => ({ name: `${type} runtime`, stop: () => runtime?.close() })),
    { log },
  );
}

/** Every module of every runtime, for the workload API's `GET /modules`. */
async function observeAll(runtimes: OpenedRuntimes | undefined): Promise<RuntimeModule[]> {
  const all = await Promise.all(Object.values(runtimes?.runtimes ?? {}).map((r) => r?.observe() ?? []));
  return all.flat();
}

/** Runs one start step; a failure that is not already a VergeError becomes EDGE_START_FAILED naming the part. */
async function step<T>(part: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (isVergeError(e)) throw e;
    throw new VergeError('EDGE_START_FAILED', `the ${part} failed to start: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * Fails the start when the cloud answers but refuses the device's credentials or its certificate does not verify
 * (cloud-check.ts); a cloud that does not answer is logged and the runtime starts offline.
 */
async function verifyCloud(config: EdgeConfig, cloudCa: string | undefined, log: Logger): Promise<void> {
  const result = await checkCloudCredentials({
    baseUrl: config.cloudApiUrl,
    deviceId: config.device.deviceId,
    authorization: deviceToken(config),
    deviceKey: config.device.sharedAccessKey,
    ca: cloudCa,
    caFile: config.cloudCaFile,
    timeoutMs: CLOUD_CHECK_TIMEOUT_MS,
  });
  if (result.kind === 'unreachable') log.warn({ cloudApiUrl: config.cloudApiUrl, reason: result.reason }, 'the cloud does not answer; starting offline (credentials are checked once it answers)');
  else log.info({ cloudApiUrl: config.cloudApiUrl }, 'the cloud accepted the edge device credentials');
}

/** A listen failure of the hub as one line naming the setting (EDGE_PORT_IN_USE); other errors unchanged. */
function listenError(config: EdgeConfig, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new VergeError('EDGE_PORT_IN_USE', `--mqtt-port ${config.mqttPort} is already in use on ${config.bindAddress} (another edge runtime or MQTT broker?); stop it or choose another port`, { cause: e });
  }
  if (code === 'EACCES') {
    return new VergeError('EDGE_PORT_IN_USE', `--mqtt-port ${config.mqttPort} on ${config.bindAddress} needs privileges this process does not have (ports below 1024 need root or CAP_NET_BIND_SERVICE)`, { cause: e });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new VergeError('EDGE_PORT_IN_USE', `--bind ${config.bindAddress} is not an address of this host`, { cause: e });
  }
  return e;
}

async function readCloudCa(config: EdgeConfig): Promise<string | undefined> {
  if (config.cloudCaFile === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(config.cloudCaFile, 'utf8');
  } catch (e) {
    throw new VergeError('EDGE_CLOUD_CA_INVALID', `--cloud-ca ${config.cloudCaFile} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (splitPemCertificates(text).length === 0) throw new VergeError('EDGE_CLOUD_CA_INVALID', `--cloud-ca ${config.cloudCaFile} holds no PEM certificate`);
  return text;
}

function agentEnvironment(config: EdgeConfig, hubPort: number, workload: WorkloadServer, trustBundleDigest: string): AgentEnvironment {
  return {
    deviceId: config.device.deviceId,
    iotHubHostName: config.device.hubHostName,
    gatewayHostName: config.hostname,
    hubMqttPort: hubPort,
    moduleNetwork: { name: config.moduleNetwork, hostName: moduleNetworkHostName(config.hostname) },
    workloadUri: (moduleId, type) => workload.moduleWorkloadUri(moduleId, type),
    extraEnv: { RuntimeLogLevel: config.logLevel === 'silent' ? 'fatal' : config.logLevel },
    trustBundleDigest,
    runtime: { type: 'docker', platform: { os: platform(), architecture: arch(), version: release() } },
    version: EDGE_RUNTIME_VERSION,
  };
}

/** The edge device's own SAS token (`sr={HostName}/devices/{edge}`): IoT Hub lets an edge device manage its modules. */
function deviceToken(config: EdgeConfig): string {
  const { hubHostName, deviceId, sharedAccessKey } = config.device;
  return createSasToken({ resource: deviceResource(hubHostName, deviceId), key: sharedAccessKey, expirySec: Math.floor(Date.now() / 1000) + REST_TOKEN_TTL_SEC });
}

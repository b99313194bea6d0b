import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { VergeError, type Clock, type HealthDto } from '@verge/contracts';
import { OPTIONAL_CLIENT_CERTIFICATE, createLogger, ensureCloudPki, lockDirectory, runStopSteps, startMetricsListener, systemClock, type CloudPki, type DirectoryLock, type Logger, type MetricsListener } from '@verge/platform';
import { createCloudServices, type CloudServices } from './cloud-services.js';
import { parseCloudConfig, type CloudConfig, type CloudConfigInput } from './config.js';
import type { CloudBus } from './bus/open-cloud-bus.js';
import { createAmqpEndpoint, type AmqpEndpoint } from './amqp/amqp-endpoint.js';
import { leaseTiming } from './bus/lease.js';
import { CREDENTIALS_FILE, writeCloudCredentials } from './credentials.js';
import { createInProcessEventBus } from './events/in-process-event-bus.js';
import { fileNotificationRecord } from './files/file-notification-record.js';
import { createFileUploads, type FileUploads } from './files/file-uploads.js';
import type { EventStreamSettings } from './http/api-deps.js';
import { createReadiness } from './health/readiness.js';
import { buildApp, type ServiceApp } from './http/app.js';
import { closeHttp, listenError, listenOn, serveWebSockets } from './listeners.js';
import { createCloudMetrics, observePublishes, storeFleetGauges, timeTransactions, type CloudMetrics } from './metrics/index.js';
import { createDeviceEndpoint, type DeviceEndpoint, type DeviceEndpointLimits } from './mqtt/index.js';
import { securePrivateDataDir, secretFilesOf } from './private-data-dir.js';
import type { RandomSource, ServiceContext } from './services/context.js';
import { systemRandom } from './services/system-sources.js';
import type { DeviceGateway } from './services/types.js';
import { openCloudStore } from './store/open-cloud-store.js';

/** Name of the database file in the data directory. */
export const DATABASE_FILE = 'cloud.db';
/** The file whose lock marks the data directory as in use by a running cloud (`lockDirectory`). */
export const DATA_DIR_LOCK_FILE = 'cloud.lock';

// How often a running cloud re-runs ensureCloudPki, which renews the server certificate before it expires.
const PKI_CHECK_INTERVAL_MS = 12 * 60 * 60 * 1000;

/** Injection points of `startCloud` (tests, benchmarks); production uses the defaults. */
export interface StartCloudOptions {
  readonly log?: Logger;
  /** Default the system clock. Services read `nowMs`; background work (rollout deadlines) sets timers on it. */
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly mqttLimits?: Partial<DeviceEndpointLimits>;
  readonly eventStream?: Partial<EventStreamSettings>;
}

/** A started cloud: where it listens, how to reach it, and `stop()`. */
export interface RunningCloud {
  readonly config: Readonly<CloudConfig>;
  readonly hostName: string;
  /** The bound ports (the configured ones, or the ones picked for 0). */
  readonly ports: { readonly http: number; readonly https: number; readonly mqtt: number; readonly amqp: number | null };
  readonly urls: { readonly http: string; readonly https: string; readonly mqtt: string };
  /** The unauthenticated Prometheus listener (`metrics.port`), when configured; `/metrics` on the API ports is always served. */
  readonly metricsUrl: string | undefined;
  /** The owner policy's connection string (print it; it is a secret). */
  readonly serviceConnectionString: string;
  readonly caPem: string;
  readonly caPath: string;
  readonly credentialsPath: string;
  /** True when this start created the owner policy (a new data directory). */
  readonly firstStart: boolean;
  readonly services: CloudServices;
  health(): HealthDto;
  /** Stops the listeners (devices first), the timers, and closes the store after a WAL checkpoint. Idempotent. */
  stop(): Promise<void>;
}

type ListenerName = 'http' | 'https' | 'mqtt';

/** What has been started so far, so shutdown (or a failed start) stops exactly that, in a fixed order. */
interface Parts {
  store?: { close(): Promise<void> };
  bus?: CloudBus;
  telemetry?: { stop(): void };
  jobs?: { stop(): Promise<void> };
  deployments?: { stop(): Promise<void> };
  rollouts?: { stop(): Promise<void> };
  api?: ServiceApp;
  endpoint?: DeviceEndpoint;
  amqp?: AmqpEndpoint;
  https?: HttpsServer;
  renewal?: NodeJS.Timeout;
  metrics?: MetricsListener;
  files?: FileUploads;
  dataDirLock?: DirectoryLock;
}

/**
 * The drain (readiness already answers 503): the device endpoint stops accepting connections; the API stops (open
 * event streams end, requests in flight finish, direct methods still reaching the connected devices); the endpoint
 * stops reading and answers every publish already read (stored, then PUBACKed; at most `drainTimeoutMs`); the devices
 * are disconnected after those PUBACKs went out, so they reconnect to another instance; then the timers, the bus, and
 * the store last (a WAL checkpoint on SQLite), so every accepted message is durable.
 */
async function stopParts(parts: Parts, log: Logger, drainTimeoutMs: number): Promise<void> {
  await runStopSteps(
    [
      { name: 'pki renewal', stop: () => clearInterval(parts.renewal) },
      { name: 'jobs', stop: () => parts.jobs?.stop() },
      { name: 'deployments', stop: () => parts.deployments?.stop() },
      { name: 'rollouts', stop: () => parts.rollouts?.stop() },
      { name: 'mqtt accept', stop: () => parts.endpoint?.stopAccepting() },
      { name: 'amqp', stop: () => parts.amqp?.stop() },
      { name: 'metrics', stop: () => parts.metrics?.close() },
      { name: 'http+https', stop: () => (parts.api === undefined ? undefined : closeHttp(parts.api, parts.https)) },
      { name: 'mqtt drain', stop: () => drainEndpoint(parts.endpoint, drainTimeoutMs, log) },
      { name: 'mqtt', stop: () => parts.endpoint?.stop() },
      { name: 'telemetry', stop: () => parts.telemetry?.stop() },
      { name: 'bus', stop: () => parts.bus?.close() },
      { name: 'blob store', stop: () => parts.files?.stop() },
      { name: 'store', stop: () => parts.store?.close() },
      { name: 'data directory lock', stop: () => parts.dataDirLock?.release() },
    ],
    { log },
  );
}

/**
 * The cloud's composition root: validates the configuration, opens the store, ensures the PKI (`DIR/ca.pem`),
 * creates the owner policy on first start, wires the services, starts the MQTT device endpoint and serves the
 * same service API on HTTP and HTTPS. `/healthz` answers 200 once all three listeners are up. On failure
 * everything already started is stopped again before the error is rethrown.
 */
export async function startCloud(input: CloudConfigInput, options: StartCloudOptions = {}): Promise<RunningCloud> {
  const config = parseCloudConfig(input);
  const log = options.log ?? createLogger({ service: 'cloud', level: config.logLevel });
  const parts: Parts = {};
  const listeners: Record<ListenerName, { up: boolean; port?: number }> = { http: { up: false }, https: { up: false }, mqtt: { up: false } };
  let phase: HealthDto['status'] = 'starting';
  const health = (): HealthDto => ({ status: phase, listeners: structuredClone(listeners) });

  try {
    await securePrivateDataDir(config.dataDir, secretFilesOf(config.dataDir, DATABASE_FILE, CREDENTIALS_FILE), log);
    parts.dataDirLock = lockDirectory(
      config.dataDir,
      DATA_DIR_LOCK_FILE,
      (cause) => new VergeError('CLD_DATA_DIR_IN_USE', `the data directory ${config.dataDir} (--data) is in use by another cloud; stop that cloud or choose another --data (several instances each need their own)`, { cause }),
    );
    const store = await openCloudStore({ sqlitePath: join(config.dataDir, DATABASE_FILE), db: config.db }, log);
    parts.store = store;
    const pki = await ensurePki(config, log);
    const random = options.random ?? systemRandom;
    const bus = (parts.bus = await openBus(config, random, log));
    // Metrics count what this instance publishes and the store's transactions (metrics/), never inside services.
    const metrics = createCloudMetrics({ hostName: config.hostname, instanceId: bus?.instanceId ?? `${config.hostname}-${random.uuid().slice(0, 8)}`, fleet: storeFleetGauges(store) });
    const ctx: ServiceContext = {
      store: timeTransactions(store, (ms) => metrics.counts.observeTransaction(ms)),
      bus: observePublishes(bus?.events ?? createInProcessEventBus(log.child({ component: 'events' })), (topic, event) => metrics.counts.observeEvent(topic, event)),
      clock: options.clock ?? systemClock,
      random,
      log,
      hostName: config.hostname,
      ...(bus === undefined ? {} : { instanceId: bus.instanceId }),
    };
    const localGateway = (): DeviceGateway | undefined => parts.endpoint?.gateway;
    const methodGateway = bus?.methodGateway(localGateway);
    const services = createCloudServices(ctx, config, methodGateway === undefined ? localGateway : () => methodGateway, options.clock ?? systemClock);
    const owner = await services.policies.ensureOwner();
    const retentionLease = bus?.leases.lease('retention');
    services.telemetry.start(retentionLease === undefined ? undefined : () => retentionLease.hold());
    parts.telemetry = services.telemetry;
    bus?.startTelemetry();

    parts.files = createFileUploads(config, pki, ctx.clock, log, async (n) => {
      const record = fileNotificationRecord(n);
      if (record !== undefined) await ctx.store.fileNotifications.add([record], ctx.clock.nowMs());
    });
    const readiness = createReadiness({ health, store: () => store.policies.get(owner.policy.name), bus: bus?.ping, blobStore: parts.files.probe, log });
    const api = buildApp({ ...services, ...parts.files.deps, metrics, bus: ctx.bus, clock: options.clock ?? systemClock, hostName: config.hostname, log, health, readiness, ...eventStreamOption(options) });
    parts.api = api;
    const { app } = api;
    await app.ready();

    const endpoint = createDeviceEndpoint({
      services: services.endpoint,
      host: config.host,
      port: config.mqttPort,
      hostname: config.hostname,
      tls: { key: pki.serverKeyPem, cert: pki.serverCertChainPem, ca: pki.caPem },
      log,
      nowMs: () => ctx.clock.nowMs(),
      limits: { ...config.mqtt, ...options.mqttLimits },
    });
    parts.endpoint = endpoint;
    const mqtt = await startEndpoint(endpoint, config);
    listeners.mqtt = { up: true, port: mqtt };

    const http = await listenApp(app, config);
    listeners.http = { up: true, port: http };
    // Client certificates requested, not required: X.509 devices authenticate with theirs over MQTT/WebSockets.
    parts.https = createHttpsServer({ key: pki.serverKeyPem, cert: pki.serverCertChainPem, ...OPTIONAL_CLIENT_CERTIFICATE }, app.routing);
    const amqp = await startAmqp(parts, config, pki, services, ctx, log);
    serveWebSockets(parts.https, (stream, meta) => endpoint.handle(stream, meta), parts.amqp, log);
    const https = await listenOn(parts.https, 'HTTPS', config.host, config.httpsPort);
    listeners.https = { up: true, port: https };
    parts.renewal = schedulePkiRenewal(config, log, endpoint, parts.https, parts.amqp);
    parts.metrics = await startMetricsPort(config, metrics, log);

    const urls = {
      http: `http://${urlHost(config.host)}:${http}`,
      https: `https://${config.hostname}:${https}`,
      mqtt: `mqtts://${config.hostname}:${mqtt}`,
    };
    const serviceConnectionString = services.policies.connectionString(owner.policy);
    const credentialsPath = await writeCloudCredentials(config.dataDir, {
      hostName: config.hostname,
      serviceConnectionString,
      caPath: pki.caPath,
      apiUrl: urls.https,
      httpUrl: urls.http,
      mqttUrl: urls.mqtt,
      updatedAt: new Date(ctx.clock.nowMs()).toISOString(),
    });
    // Jobs run once across instances (lease `jobs`), and only once devices can connect (method jobs need them).
    // Deployment evaluation runs once across instances (lease `deployments`); its first pass evaluates every device.
    services.automaticDeployments.start(bus?.leases.lease('deployments'));
    parts.deployments = services.automaticDeployments;
    // Staged rollouts advance once across instances (lease `rollouts`); the first pass re-arms stored deadlines.
    services.rollouts.start(bus?.leases.lease('rollouts'));
    parts.rollouts = services.rollouts;
    const jobsLease = bus?.leases.lease('jobs');
    services.jobRunner.start(jobsLease === undefined ? undefined : () => jobsLease.hold());
    parts.jobs = services.jobRunner;
    phase = 'ok';
    log.info({ ...urls, dataDir: config.dataDir, firstStart: owner.created, pki: pki.action }, 'cloud started');

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        phase = 'stopping';
        log.info('cloud stopping');
        await stopParts(parts, log, config.drainTimeoutMs);
        for (const l of Object.values(listeners)) l.up = false;
        log.info('cloud stopped');
      })();
      return stopping;
    };
    return {
      config,
      hostName: config.hostname,
      ports: { http, https, mqtt, amqp },
      urls,
      metricsUrl: parts.metrics?.url,
      serviceConnectionString,
      caPem: pki.caPem,
      caPath: pki.caPath,
      credentialsPath,
      firstStart: owner.created,
      services,
      health,
      stop,
    };
  } catch (e) {
    await stopParts(parts, log, 0);
    throw e;
  }
}

/**
 * The NATS bus when the configuration names one (loaded on demand: a cloud without a bus never loads the client).
 * Leases outlive a dead holder by `leaseTiming`'s TTL.
 */
async function openBus(config: CloudConfig, random: RandomSource, log: Logger): Promise<CloudBus | undefined> {
  if (config.bus === undefined) return undefined;
  const { openCloudBus } = await import('./bus/open-cloud-bus.js');
  return openCloudBus({
    url: config.bus,
    instanceId: `${config.hostname}-${random.uuid().slice(0, 8)}`,
    log,
    telemetryMaxAgeMs: config.retention.maxAgeSec * 1000,
    leaseTtlMs: leaseTiming(config.retention).ttlMs,
  });
}

/** The separate, unauthenticated `GET /metrics` listener of `config.metrics`; CLD_LISTEN_FAILED when it cannot bind. */
async function startMetricsPort(config: CloudConfig, metrics: CloudMetrics, log: Logger): Promise<MetricsListener | undefined> {
  if (config.metrics === undefined) return undefined;
  const { host, port } = config.metrics;
  try {
    return await startMetricsListener({ host, port, collect: () => metrics.collect(), log: log.child({ component: 'metrics' }), serverName: 'the cloud metrics port' });
  } catch (e) {
    throw listenError('metrics (--metrics-port)', host, port, e);
  }
}

async function ensurePki(config: CloudConfig, log: Logger): Promise<CloudPki> {
  const pki = await ensureCloudPki({
    dir: config.dataDir,
    hostname: config.hostname,
    ...(config.tls === undefined ? {} : { certFile: config.tls.certFile, keyFile: config.tls.keyFile, ...(config.tls.caFile === undefined ? {} : { caFile: config.tls.caFile }) }),
  });
  for (const warning of pki.warnings) log.warn({ warning }, 'pki');
  return pki;
}

async function drainEndpoint(endpoint: DeviceEndpoint | undefined, timeoutMs: number, log: Logger): Promise<void> {
  if (endpoint === undefined) return;
  const settled = await endpoint.drain(timeoutMs);
  if (!settled) log.warn({ drainTimeoutMs: timeoutMs }, 'drain timeout: publishes still unanswered are dropped unacknowledged (their devices resend them)');
}

async function startEndpoint(endpoint: DeviceEndpoint, config: CloudConfig): Promise<number> {
  try {
    return (await endpoint.start()).port;
  } catch (e) {
    throw listenError('MQTT', config.host, config.mqttPort, e);
  }
}

/** The service-side AMQP listener (`config.amqpPort`, null: none); CLD_LISTEN_FAILED when it cannot bind. */
async function startAmqp(parts: Parts, config: CloudConfig, pki: CloudPki, services: CloudServices, ctx: ServiceContext, log: Logger): Promise<number | null> {
  if (config.amqpPort === null) return null;
  parts.amqp = createAmqpEndpoint({
    host: config.host,
    port: config.amqpPort,
    hostName: config.hostname,
    tls: { key: pki.serverKeyPem, cert: pki.serverCertChainPem },
    findPolicy: (name) => services.policies.get(name),
    c2d: services.c2d,
    feedback: ctx.store.c2dFeedback,
    fileNotifications: ctx.store.fileNotifications,
    nowMs: () => ctx.clock.nowMs(),
    log,
  });
  try {
    return await parts.amqp.start();
  } catch (e) {
    throw listenError('AMQP (--amqp-port)', config.host, config.amqpPort, e);
  }
}

function schedulePkiRenewal(config: CloudConfig, log: Logger, endpoint: DeviceEndpoint, https: HttpsServer, amqp: AmqpEndpoint | undefined): NodeJS.Timeout {
  const timer = setInterval(() => {
    ensurePki(config, log)
      .then((pki) => {
        if (pki.action !== 'renewed') return;
        endpoint.setTls({ key: pki.serverKeyPem, cert: pki.serverCertChainPem, ca: pki.caPem });
        https.setSecureContext({ key: pki.serverKeyPem, cert: pki.serverCertChainPem });
        amqp?.setTls({ key: pki.serverKeyPem, cert: pki.serverCertChainPem });
        log.info({ notAfter: pki.serverNotAfter.toISOString() }, 'server certificate renewed');
      })
      .catch((err: unknown) => log.error({ err }, 'server certificate renewal failed'));
  }, PKI_CHECK_INTERVAL_MS);
  timer.unref();
  return timer;
}

async function listenApp(app: FastifyInstance, config: CloudConfig): Promise<number> {
  try {
    await app.listen({ host: config.host, port: config.httpPort });
  } catch (e) {
    throw listenError('HTTP', config.host, config.httpPort, e);
  }
  return (app.server.address() as AddressInfo).port;
}

function eventStreamOption(options: StartCloudOptions): { eventStream?: Partial<EventStreamSettings> } {
  return options.eventStream === undefined ? {} : { eventStream: options.eventStream };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

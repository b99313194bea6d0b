import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { VergeError } from '@verge/contracts';
import { IOT_HUB_MQTT_PORT, parseConnectionString, parseHostPort, type DeviceConnectionString } from '@verge/core';
import { formatIssuePath, type LogLevel } from '@verge/platform';
import { DEFAULT_MODULE_NETWORK } from './module-network-host.js';
import { CONTAINER_PREFIX, MAX_CONTAINER_PREFIX_LENGTH } from './runtime/container-name.js';

// The edge runtime's configuration (issue #4 "verge edge start"): validated once at startup and frozen (STYLE §2.6).
// This is the only file of the edge runtime that reads the process environment (STYLE §2.1).

const port = z.number().int().min(0).max(65_535);
const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, { message: 'must be a DNS name or an IPv4 address (letters, digits, ".", "-")' });

/** Log levels of `--log-level`. */
export const EDGE_LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** `--runtime` values. */
export const EDGE_RUNTIME_CHOICES = ['docker', 'process', 'auto'] as const;
/** `--process-user` values: each process module as its own unprivileged user, or as the runtime's user. */
export const EDGE_PROCESS_USER_CHOICES = ['dedicated', 'runtime'] as const;
/** The environment variable holding the edge device's connection string (keeps the key out of `ps` and flags). */
export const EDGE_CONNECTION_STRING_ENV = 'VERGE_EDGE_CONNECTION_STRING';
/** Parent of the per-data-directory socket directories of process modules that run as their own users. */
export const PROCESS_SOCKETS_ROOT = '/run/verge-edge';
/** Default of `--data`. */
export const DEFAULT_EDGE_DATA_DIR = './.verge/edge';
/** The port of the cloud's HTTPS service API when the connection string names none (the cloud's default). */
export const DEFAULT_CLOUD_HTTPS_PORT = 8443;
/** The port the Azure SDK dials for HTTPS (direct methods) and MQTT over WebSockets, fixed in the SDK. */
export const EDGE_HUB_HTTPS_PORT = 443;
/** Default port of the Prometheus `/metrics` listener (iotedge's edgeHub and edgeAgent listen on 9600, reference §9). */
export const DEFAULT_METRICS_PORT = 9600;
/** The socket dockerd listens on when started without `--host`. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

// Variables of the runtime's own environment that process modules inherit (below their manifest env and the
// injected IOTEDGE_* variables): enough to find programs and behave like a login session, nothing secret.
const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SYSTEMROOT'] as const;

/** The configuration as flags give it (`verge edge start`), before defaults. */
export const EdgeConfigSchema = z.strictObject({
  /**
   * The edge device's own connection string (HostName, DeviceId, SharedAccessKey[, GatewayHostName]): from the
   * installed config file (`verge edge config apply`), $VERGE_EDGE_CONNECTION_STRING, or `--connection-string`
   * (visible in `ps`). Required once all three are merged.
   */
  connectionString: z.string().min(1).optional(),
  /** `--cloud-ca`: PEM file of the CA the cloud's server certificate chains to (trusted, never used to issue). */
  cloudCaFile: z.string().min(1).optional(),
  /** `--cloud-api`: the cloud's HTTPS service API; default `https://{HostName}:8443` (the cloud's default port). */
  cloudApiUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** `--data`: edge CA, hub store, agent state, module logs and sockets. */
  dataDir: z.string().min(1).default(DEFAULT_EDGE_DATA_DIR),
  /** `--hostname`: the gateway host name modules and leaf devices dial; on the hub's server certificate. */
  hostname: hostName.default('localhost'),
  /** `--bind`: address the edge hub's MQTT listener binds (all interfaces: leaf devices are on the network). */
  bindAddress: z.string().min(1).default('0.0.0.0'),
  /** `--mqtt-port`: the edge hub's MQTT over TLS port; 0 picks a free port. */
  mqttPort: port.default(IOT_HUB_MQTT_PORT),
  /**
   * `--https-port`: the edge hub's HTTPS port: direct methods from modules (`ModuleClient.invokeMethod`) and MQTT over
   * WebSockets (`MqttWs`). The Azure SDK dials 443, fixed (README "Ports"); 0 picks a free port.
   */
  httpsPort: port.default(EDGE_HUB_HTTPS_PORT),
  /**
   * `--workload-uri`: a SHARED workload listener, `unix:///abs/path.sock` or `http://127.0.0.1:PORT`, besides the
   * per-module sockets. It cannot tell callers apart and signs for any module, so it is refused unless
   * `insecureSharedWorkloadApi` is also set. Default: none (every module gets its own socket only).
   */
  workloadUri: z.string().min(1).optional(),
  /** `--insecure-shared-workload-api`: allows `workloadUri` (every local process that reaches it can act as any module). */
  insecureSharedWorkloadApi: z.boolean().default(false),
  /**
   * `--process-user`: `dedicated` runs each process module as its own unprivileged uid (needs root; the default when
   * the runtime runs as root), so a module cannot open another module's workload socket; `runtime` runs them as the
   * runtime's own user (the default otherwise).
   */
  processUser: z.enum(EDGE_PROCESS_USER_CHOICES).optional(),
  /** `--runtime`: where modules run; `auto` = Docker when an engine answers, else processes. */
  runtime: z.enum(EDGE_RUNTIME_CHOICES).default('auto'),
  /**
   * `--module-network`: the Docker network (a user-defined bridge, created when missing) that container modules join
   * when their createOptions ask for no other network, as Azure's `azure-iot-edge`; the hub listens on its gateway.
   */
  moduleNetwork: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, { message: 'must be a Docker network name (letters, digits, "_", ".", "-"; up to 128)' })
    .default(DEFAULT_MODULE_NETWORK),
  /**
   * `--container-prefix`: put in front of every container name this runtime creates (`edge1-` → `edge1-SimulatedTemperatureSensor`),
   * so several edge runtimes on one Docker engine can run the same module ids. Empty (the default) keeps Azure's
   * names: the module id. Names only: a runtime finds its containers by its owner label, never by name.
   */
  containerPrefix: z
    .string()
    .regex(CONTAINER_PREFIX, {
      message: `must be empty or the start of a Docker container name (a letter or digit, then letters, digits, "_", ".", "-"; up to ${MAX_CONTAINER_PREFIX_LENGTH}), e.g. "edge1-" (--container-prefix)`,
    })
    .default(''),
  /**
   * `--max-pending-handshakes-per-address`: sockets one remote address may hold open on the hub's MQTT port before
   * CONNECT (default 64); beyond it new ones are dropped before any TLS work. Raise it for many leaves behind one NAT.
   */
  maxPendingHandshakesPerAddress: z.number().int().min(1).optional(),
  /** `--max-connections-per-address`: connected clients one remote address may hold on the hub (default 1000). */
  maxConnectionsPerAddress: z.number().int().min(1).optional(),
  /**
   * `--metrics-port`: port of the Prometheus `GET /metrics` listener (default 9600, as iotedge's modules; 0 picks a
   * free port). A port given here that cannot be listened on fails the start; the default one only logs a warning.
   */
  metricsPort: port.optional(),
  /** `--metrics-bind`: address of the `/metrics` listener; loopback by default (the metrics name modules and clients). */
  metricsBind: z.string().min(1).default('127.0.0.1'),
  /** `--no-metrics`: no `/metrics` listener at all. */
  metrics: z.boolean().default(true),
  /** `--store-max-bytes`: bound of the hub's message store on disk; publishes beyond it are refused. */
  storeMaxBytes: z.number().int().min(1024 * 1024).default(1024 * 1024 * 1024),
  /** Grace period of a process module at shutdown before SIGKILL (ms). */
  stopTimeoutMs: z.number().int().min(0).max(600_000).default(10_000),
  logLevel: z.enum(EDGE_LOG_LEVELS).default('info'),
});

/** Configuration as given (flags); defaults applied by {@link parseEdgeConfig}. */
export type EdgeConfigInput = z.input<typeof EdgeConfigSchema>;

/** How to reach the Docker engine, from DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH. */
export type DockerEndpointConfig =
  | { readonly kind: 'unix'; readonly socketPath: string; readonly description: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly tlsCertDir?: string; readonly description: string }
  | { readonly kind: 'unsupported'; readonly reason: string; readonly description: string };

/** The edge device the runtime acts for, read from its connection string. */
export interface EdgeDeviceCredentials {
  /** `HostName`: the cloud's host name, audience of every SAS token. */
  readonly hubHostName: string;
  readonly deviceId: string;
  /** The device's primary key (base64): module keys are derived from it (reference §11.4). */
  readonly sharedAccessKey: string;
  /** Where the cloud's MQTT endpoint is dialled: `GatewayHostName` (with its port) or `HostName`:8883. */
  readonly cloudMqtt: { readonly host: string; readonly port: number };
  /** The connection string as given (a secret: never log it). */
  readonly connectionString: string;
}

/** The validated configuration with every default applied and the environment read. Frozen. */
export interface EdgeConfig {
  readonly device: EdgeDeviceCredentials;
  readonly cloudCaFile?: string;
  readonly cloudApiUrl: string;
  /** Absolute. */
  readonly dataDir: string;
  readonly hostname: string;
  readonly bindAddress: string;
  readonly mqttPort: number;
  readonly httpsPort: number;
  /** The shared workload listener, only when explicitly allowed (`insecureSharedWorkloadApi`); absent by default. */
  readonly workloadUri?: string;
  /** Per-module workload sockets live here; absent only with a shared TCP workload URI (modules then share it). */
  readonly moduleSocketsDir?: string;
  /**
   * Process modules' sockets when each runs as its own user (`processUser: dedicated`): `<dir>/<module>/workload.sock`.
   * Outside the data directory (which stays 0700 for the runtime alone): `/run/verge-edge/<hash of the data dir>`.
   */
  readonly processSocketsDir?: string;
  /**
   * Per-module HOME and TMPDIR of process modules running as their own users (`processUser: dedicated`):
   * `/run/verge-edge/homes/<hash of the data dir>/<module>/`, owned by the module's uid.
   */
  readonly processHomesDir?: string;
  /** How process modules run: each as its own uid (`dedicated`) or as the runtime's user. */
  readonly processUser: (typeof EDGE_PROCESS_USER_CHOICES)[number];
  readonly runtime: (typeof EDGE_RUNTIME_CHOICES)[number];
  /** Docker network of container modules that ask for no other (`--module-network`). */
  readonly moduleNetwork: string;
  /** Put in front of container names (`--container-prefix`); empty = the module id alone. */
  readonly containerPrefix: string;
  readonly docker: DockerEndpointConfig;
  /** Environment process modules start from. */
  readonly processBaseEnv: Readonly<Record<string, string>>;
  readonly storeMaxBytes: number;
  /** The Prometheus `/metrics` listener; absent with `metrics: false`. `explicit`: the port was given, so failing to listen is fatal. */
  readonly metrics?: { readonly host: string; readonly port: number; readonly explicit: boolean };
  /** Per-address limits of the hub's MQTT listener; what is absent keeps the server core's default. */
  readonly mqttLimits: { readonly maxPendingHandshakesPerAddress?: number; readonly maxConnectionsPerAddress?: number };
  readonly stopTimeoutMs: number;
  readonly logLevel: LogLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Facts about the host the defaults depend on (tests pass their own). */
export interface EdgeHostFacts {
  /** The runtime runs as root: it can run process modules as other users. */
  readonly isRoot: boolean;
}

/** The file installed by `verge edge config apply`: its path and its (unvalidated) settings. */
export interface EdgeConfigFileValues {
  readonly path: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Validates the configuration and reads what it needs from `env` (default `process.env`): DOCKER_HOST,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, the variables process modules inherit and $VERGE_EDGE_CONNECTION_STRING.
 * Precedence, lowest first: the installed config `file`, the environment, `input` (flags). Throws
 * EDGE_CONFIG_INVALID naming every field and rule; messages never echo key material.
 */
export function parseEdgeConfig(input: unknown, env: Env = process.env, file?: EdgeConfigFileValues, host: EdgeHostFacts = { isRoot: process.getuid?.() === 0 }): Readonly<EdgeConfig> {
  const r = EdgeConfigSchema.safeParse(mergeSources(input, env, file));
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message }));
    throw invalid(issues);
  }
  const c = r.data;
  if (c.connectionString === undefined) {
    throw invalid([{ path: 'connectionString', message: `is required: install a config file holding it (verge edge config apply --config FILE), or set $${EDGE_CONNECTION_STRING_ENV}` }]);
  }
  const device = deviceCredentials(c.connectionString);
  const dataDir = resolve(c.dataDir);
  const workloadUri = c.workloadUri;
  if (workloadUri !== undefined && !workloadUri.startsWith('unix://') && !workloadUri.startsWith('http://')) {
    throw invalid([{ path: 'workloadUri', message: `"${workloadUri}" must be unix:///absolute/path.sock or http://127.0.0.1:PORT` }]);
  }
  if (workloadUri !== undefined && !c.insecureSharedWorkloadApi) {
    throw invalid([
      {
        path: 'workloadUri',
        message: `${workloadUri} is a shared workload listener that signs for ANY module and cannot tell callers apart; refused unless insecureSharedWorkloadApi (--insecure-shared-workload-api) is also set`,
      },
    ]);
  }
  const processUser = c.processUser ?? (host.isRoot ? 'dedicated' : 'runtime');
  if (processUser === 'dedicated' && !host.isRoot) {
    throw invalid([{ path: 'processUser', message: 'dedicated needs the runtime to run as root (it starts each process module as its own uid); use runtime' }]);
  }
  const perModuleSockets = workloadUri === undefined || workloadUri.startsWith('unix://');
  return Object.freeze({
    device,
    ...(c.cloudCaFile === undefined ? {} : { cloudCaFile: resolve(c.cloudCaFile) }),
    cloudApiUrl: (c.cloudApiUrl ?? `https://${device.hubHostName}:${DEFAULT_CLOUD_HTTPS_PORT}`).replace(/\/+$/, ''),
    dataDir,
    hostname: c.hostname,
    bindAddress: c.bindAddress,
    mqttPort: c.mqttPort,
    httpsPort: c.httpsPort,
    ...(workloadUri === undefined ? {} : { workloadUri }),
    ...(perModuleSockets ? { moduleSocketsDir: join(dataDir, 'workload') } : {}),
    ...(perModuleSockets && processUser === 'dedicated' ? { processSocketsDir: processSocketsDirOf(dataDir) } : {}),
    ...(processUser === 'dedicated' ? { processHomesDir: processHomesDirOf(dataDir) } : {}),
    processUser,
    runtime: c.runtime,
    moduleNetwork: c.moduleNetwork,
    containerPrefix: c.containerPrefix,
    docker: dockerEndpoint(env),
    processBaseEnv: inheritedEnv(env),
    storeMaxBytes: c.storeMaxBytes,
    ...(c.metrics ? { metrics: { host: c.metricsBind, port: c.metricsPort ?? DEFAULT_METRICS_PORT, explicit: c.metricsPort !== undefined } } : {}),
    mqttLimits: {
      ...(c.maxPendingHandshakesPerAddress === undefined ? {} : { maxPendingHandshakesPerAddress: c.maxPendingHandshakesPerAddress }),
      ...(c.maxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress: c.maxConnectionsPerAddress }),
    },
    stopTimeoutMs: c.stopTimeoutMs,
    logLevel: c.logLevel,
  });
}

/** Where process modules running as their own users find their sockets: a root-owned, traverse-only directory. */
export function processSocketsDirOf(dataDir: string): string {
  return join(PROCESS_SOCKETS_ROOT, dataDirHash(dataDir));
}

/** Where process modules running as their own users get their HOME: `homes/` is no hash, so never a sockets directory. */
export function processHomesDirOf(dataDir: string): string {
  return join(PROCESS_SOCKETS_ROOT, 'homes', dataDirHash(dataDir));
}

function dataDirHash(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
}

// Each source may only name settings of the schema; the connection string from the environment sits between the
// file and the flags. `dataDir` never comes from the file: the file is found through it.
function mergeSources(input: unknown, env: Env, file: EdgeConfigFileValues | undefined): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const fromEnv = env[EDGE_CONNECTION_STRING_ENV];
  return {
    ...file?.values,
    ...(fromEnv === undefined || fromEnv.trim() === '' ? {} : { connectionString: fromEnv.trim() }),
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
  };
}

function deviceCredentials(connectionString: string): EdgeDeviceCredentials {
  let cs;
  try {
    cs = parseConnectionString(connectionString);
  } catch (e) {
    throw invalid([{ path: 'connectionString', message: (e as Error).message }]);
  }
  if (cs.kind !== 'device') {
    throw invalid([{ path: 'connectionString', message: `is a ${cs.kind} connection string; give the edge device's own (HostName, DeviceId, SharedAccessKey)` }]);
  }
  const device: DeviceConnectionString = cs;
  if (device.sharedAccessKey === undefined || device.sharedAccessKeyName !== undefined) {
    throw invalid([{ path: 'connectionString', message: 'must carry the device\'s own SharedAccessKey (module keys are derived from it; reference §11.4)' }]);
  }
  const dial = parseHostPort(device.gatewayHostName ?? device.hostName);
  if (typeof dial === 'string') throw invalid([{ path: 'connectionString', message: `GatewayHostName: ${dial}` }]);
  return {
    hubHostName: device.hostName,
    deviceId: device.deviceId,
    sharedAccessKey: device.sharedAccessKey,
    cloudMqtt: { host: dial.host, port: dial.port ?? IOT_HUB_MQTT_PORT },
    connectionString,
  };
}

/**
 * DOCKER_HOST as the docker CLI reads it: unset → the default socket; `unix:///path`; `tcp://host:port` (TLS when
 * DOCKER_TLS_VERIFY is set, with ca.pem/cert.pem/key.pem from DOCKER_CERT_PATH, default ~/.docker).
 */
export function dockerEndpoint(env: Env): DockerEndpointConfig {
  const raw = env['DOCKER_HOST'];
  if (raw === undefined || raw === '') return { kind: 'unix', socketPath: DEFAULT_DOCKER_SOCKET, description: `unix://${DEFAULT_DOCKER_SOCKET}` };
  const description = `DOCKER_HOST=${raw}`;
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!isAbsolute(socketPath)) return { kind: 'unsupported', reason: `${description} must name an absolute socket path`, description };
    return { kind: 'unix', socketPath, description };
  }
  if (raw.startsWith('tcp://')) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { kind: 'unsupported', reason: `${description} is not a valid tcp://host:port address`, description };
    }
    const tls = env['DOCKER_TLS_VERIFY'] !== undefined && env['DOCKER_TLS_VERIFY'] !== '' && env['DOCKER_TLS_VERIFY'] !== '0';
    const portNumber = url.port === '' ? (tls ? 2376 : 2375) : Number(url.port);
    return {
      kind: 'tcp',
      host: url.hostname,
      port: portNumber,
      ...(tls ? { tlsCertDir: env['DOCKER_CERT_PATH'] || join(env['HOME'] ?? homedir(), '.docker') } : {}),
      description,
    };
  }
  return { kind: 'unsupported', reason: `${description} uses a scheme the edge runtime does not support (unix:// or tcp://)`, description };
}

function inheritedEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function invalid(issues: readonly { path: string; message: string }[]): VergeError {
  return new VergeError('EDGE_CONFIG_INVALID', `invalid edge configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
    details: { issues },
  });
}

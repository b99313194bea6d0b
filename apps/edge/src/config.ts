import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { VergeError } from '@verge/contracts';
import { IOT_HUB_MQTT_PORT, parseConnectionString, parseHostPort, type DeviceConnectionString } from '@verge/core';
import { formatIssuePath, type LogLevel } from '@verge/platform';

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
/** Default of `--data`. */
export const DEFAULT_EDGE_DATA_DIR = './.verge/edge';
/** The port of the cloud's HTTPS service API when the connection string names none (the cloud's default). */
export const DEFAULT_CLOUD_HTTPS_PORT = 8443;
/** The socket dockerd listens on when started without `--host`. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

// Variables of the runtime's own environment that process modules inherit (below their manifest env and the
// injected IOTEDGE_* variables): enough to find programs and behave like a login session, nothing secret.
const INHERITED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'SYSTEMROOT'] as const;

/** The configuration as flags give it (`verge edge start`), before defaults. */
export const EdgeConfigSchema = z.strictObject({
  /** `--connection-string`: the edge device's own connection string (HostName, DeviceId, SharedAccessKey[, GatewayHostName]). */
  connectionString: z.string().min(1),
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
  /** `--workload-uri`: `unix:///abs/path.sock` or `http://127.0.0.1:PORT`; default `unix://{data}/workload.sock`. */
  workloadUri: z.string().min(1).optional(),
  /** `--runtime`: where modules run; `auto` = Docker when an engine answers, else processes. */
  runtime: z.enum(EDGE_RUNTIME_CHOICES).default('auto'),
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
  readonly workloadUri: string;
  /** Per-module workload sockets live here (a unix `workloadUri` only); absent for a TCP workload URI. */
  readonly moduleSocketsDir?: string;
  readonly runtime: (typeof EDGE_RUNTIME_CHOICES)[number];
  readonly docker: DockerEndpointConfig;
  /** Environment process modules start from. */
  readonly processBaseEnv: Readonly<Record<string, string>>;
  readonly storeMaxBytes: number;
  readonly stopTimeoutMs: number;
  readonly logLevel: LogLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Validates the configuration and reads what it needs from `env` (default `process.env`): DOCKER_HOST,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and the variables process modules inherit. Throws EDGE_CONFIG_INVALID naming
 * every field and rule; messages never echo key material.
 */
export function parseEdgeConfig(input: unknown, env: Env = process.env): Readonly<EdgeConfig> {
  const r = EdgeConfigSchema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message }));
    throw invalid(issues);
  }
  const c = r.data;
  const device = deviceCredentials(c.connectionString);
  const dataDir = resolve(c.dataDir);
  const workloadUri = c.workloadUri ?? `unix://${join(dataDir, 'workload.sock')}`;
  if (!workloadUri.startsWith('unix://') && !workloadUri.startsWith('http://')) {
    throw invalid([{ path: 'workloadUri', message: `"${workloadUri}" must be unix:///absolute/path.sock or http://127.0.0.1:PORT` }]);
  }
  return Object.freeze({
    device,
    ...(c.cloudCaFile === undefined ? {} : { cloudCaFile: resolve(c.cloudCaFile) }),
    cloudApiUrl: (c.cloudApiUrl ?? `https://${device.hubHostName}:${DEFAULT_CLOUD_HTTPS_PORT}`).replace(/\/+$/, ''),
    dataDir,
    hostname: c.hostname,
    bindAddress: c.bindAddress,
    mqttPort: c.mqttPort,
    workloadUri,
    ...(workloadUri.startsWith('unix://') ? { moduleSocketsDir: join(dataDir, 'workload') } : {}),
    runtime: c.runtime,
    docker: dockerEndpoint(env),
    processBaseEnv: inheritedEnv(env),
    storeMaxBytes: c.storeMaxBytes,
    stopTimeoutMs: c.stopTimeoutMs,
    logLevel: c.logLevel,
  });
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

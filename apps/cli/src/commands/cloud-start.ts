import type { Command } from 'commander';
import { isVergeError } from '@verge/contracts';
import { createLifecycle, createLogger, type LogLevel } from '@verge/platform';
import { invalid, parseIntegerFlag } from '../cli/args.js';
import { addVerb, ensureGroup } from '../cli/command-group.js';
import { exitCodes, runAction } from '../cli/run.js';
import { keepRunningWhenOutputCloses, type Stdio } from '../cli/stdio.js';
import { defaultDataDir } from '../connection.js';

interface CloudStartOptions {
  readonly data: string;
  readonly db?: string;
  readonly bus?: string;
  readonly host: string;
  readonly httpPort: string;
  readonly httpsPort: string;
  readonly amqpPort: string;
  readonly mqttPort: string;
  readonly hostname: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsCa?: string;
  readonly retentionMessages?: string;
  readonly retentionBytes?: string;
  readonly retentionSeconds?: string;
  readonly maxPendingHandshakesPerAddress?: string;
  readonly maxConnectionsPerAddress?: string;
  readonly drainTimeout?: string;
  readonly blobStore: string;
  readonly blobHost?: string;
  readonly blobPort: string;
  readonly blobConnectionString?: string;
  readonly blobCaFile?: string;
  readonly metricsPort?: string;
  readonly metricsBind: string;
  readonly logLevel: string;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
// Beyond the drain timeout: the API's grace for requests in flight (5 s), the bus and the store closing.
const STOP_MARGIN_MS = 10_000;
/** The environment variable read when `--db` is not given (keeps a database password out of `ps`). */
export const CLOUD_DB_ENV = 'VERGE_CLOUD_DB';
/** The environment variable read when `--bus` is not given. */
export const CLOUD_BUS_ENV = 'VERGE_CLOUD_BUS';
/** The environment variable read when `--blob-connection-string` is not given (keeps the account key out of `ps`). */
export const CLOUD_BLOB_CS_ENV = 'VERGE_CLOUD_BLOB_CONNECTION_STRING';
// Start failures that are the operator's input (exit 2); any other VergeError of the start exits 1.
const BAD_INPUT = new Set(['CLD_CONFIG_INVALID', 'CLD_DATABASE_URL_INVALID']);

/** `verge cloud start`: runs the cloud in this process until SIGTERM or SIGINT. */
export function registerCloudStart(program: Command): void {
  const group = ensureGroup(program, 'cloud', 'run the Verge cloud (registry, twins, device endpoint, service API)');
  addVerb(group, 'start', 'run the cloud until SIGTERM/SIGINT; prints the service connection string')
    .option('--data <dir>', 'data directory: database, keys, certificates, credentials.json', defaultDataDir)
    .option('--db <url>', `state in PostgreSQL (postgres://user@host:port/database), shared by several instances; default: SQLite in --data, or $${CLOUD_DB_ENV}`)
    .option('--bus <url>', `NATS with JetStream (nats://host:port[?prefix=name]) shared by several instances: events, direct methods, the telemetry stream, leases; default: none, or $${CLOUD_BUS_ENV}`)
    .option('--host <addr>', 'address every listener binds', '127.0.0.1')
    .option('--http-port <port>', 'plain HTTP service API (0 picks a free port)', '8080')
    .option('--https-port <port>', 'the same API over TLS', '8443')
    .option('--mqtt-port <port>', 'MQTT over TLS for devices', '8883')
    .option('--amqp-port <port>', "AMQP over TLS for service clients (azure-iothub Client.send dials 5671); 'off': none", '5671')
    .option('--hostname <name>', 'hub host name used in SAS audiences, connection strings and the certificate', 'localhost')
    .option('--tls-cert <file>', 'user-supplied server certificate chain (PEM), replacing the generated one (needs --tls-key)')
    .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
    .option('--tls-ca <file>', 'CA bundle clients must trust with --tls-cert (default: the last certificate of --tls-cert)')
    .option('--retention-messages <n>', 'keep at most n device-to-cloud messages (default 100000)')
    .option('--retention-bytes <n>', 'keep at most n bytes of device-to-cloud messages (default 268435456)')
    .option('--retention-seconds <n>', 'keep device-to-cloud messages at most n seconds (default 86400)')
    .option('--max-pending-handshakes-per-address <n>', 'MQTT sockets one address may hold before CONNECT (default 64)')
    .option('--max-connections-per-address <n>', 'connected devices from one address, e.g. a NAT (default 1000)')
    .option('--drain-timeout <ms>', 'at SIGTERM, how long accepted device messages may take to be stored and acknowledged before devices are disconnected (default 10000)')
    .option('--blob-store <kind>', 'blob store behind IoT Hub file upload: azurite (started on first use in DIR/blob; one instance), external (an Azure Storage account or an Azurite you run, shared by every instance: --blob-connection-string) or none', 'azurite')
    .option('--blob-host <name>', 'azurite: host name devices dial for blob uploads (default: --hostname; the server certificate must cover it)')
    .option('--blob-port <port>', 'azurite: port of the blob store (0: the port of the last start if free, else a free one)', '0')
    .option('--blob-connection-string <cs>', `external: Azure Storage connection string (AccountName, AccountKey, and BlobEndpoint=https://… or DefaultEndpointsProtocol=https+EndpointSuffix); devices dial its blob endpoint; default $${CLOUD_BLOB_CS_ENV}, which keeps the key out of ps`)
    .option('--blob-ca-file <file>', 'external: CA bundle (PEM) trusted for the blob endpoint in addition to Node\'s CAs')
    .option('--metrics-port <port>', 'also serve GET /metrics without authentication on this port (0 picks a free one); /metrics on the API ports needs a RegistryRead token')
    .option('--metrics-bind <addr>', 'address of the --metrics-port listener', '127.0.0.1')
    .option('--log-level <level>', `log level: ${logLevels.join(', ')}`, 'info')
    .action(runAction((stdio, options: CloudStartOptions) => startAndWait(stdio, options)));
}

async function startAndWait(stdio: Stdio, options: CloudStartOptions): Promise<number> {
  keepRunningWhenOutputCloses();
  const config = configFromFlags(options, process.env[CLOUD_DB_ENV], process.env[CLOUD_BUS_ENV], process.env[CLOUD_BLOB_CS_ENV]);
  if (options.db !== undefined && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(options.db)) {
    stdio.err(`warning: --db puts the database password on the command line, where every local user can read it (ps); set $${CLOUD_DB_ENV} instead`);
  }
  if (options.blobConnectionString !== undefined && /accountkey=/i.test(options.blobConnectionString)) {
    stdio.err(`warning: --blob-connection-string puts the storage account key on the command line, where every local user can read it (ps); set $${CLOUD_BLOB_CS_ENV} instead`);
  }
  const log = createLogger({ service: 'cloud', level: config.logLevel });
  // Loaded on demand so the client commands never load the server (ARCHITECTURE.md: the one app-to-app import).
  const { startCloud } = await import('@verge/cloud');
  let cloud: Awaited<ReturnType<typeof startCloud>>;
  try {
    cloud = await startCloud(config, { log });
  } catch (e) {
    if (isVergeError(e) && BAD_INPUT.has(e.code)) {
      stdio.err(`error: ${e.message}`);
      return exitCodes.badInput;
    }
    throw e;
  }
  // The stop (a drain: docs/scale-out/nats-bus.md) may take the drain timeout plus the API's grace period for requests in flight.
  const lifecycle = createLifecycle({ log, onForceExit: () => process.exit(130), stepTimeoutMs: cloud.config.drainTimeoutMs + STOP_MARGIN_MS });
  lifecycle.onStop('cloud', () => cloud.stop());
  stdio.out(`Verge cloud ${cloud.firstStart ? 'created in' : 'started from'} ${cloud.config.dataDir}`);
  stdio.out(`  service API   ${cloud.urls.https}  (plain HTTP: ${cloud.urls.http})`);
  stdio.out(`  devices MQTT  ${cloud.urls.mqtt}`);
  if (cloud.ports.amqp !== null) stdio.out(`  service AMQP  amqps://${cloud.hostName}:${cloud.ports.amqp}  (azure-iothub Client.send)`);
  stdio.out(`  dashboard     ${cloud.urls.http}/  (sign in with the service connection string below)`);
  if (cloud.metricsUrl !== undefined) stdio.out(`  metrics       ${cloud.metricsUrl}  (no authentication; also ${cloud.urls.http}/metrics with a RegistryRead token)`);
  stdio.out(`  CA            ${cloud.caPath}`);
  stdio.out(`  service connection string (secret; also: verge cloud credentials --data ${cloud.config.dataDir}):`);
  stdio.out(`  ${cloud.serviceConnectionString}`);
  await lifecycle.stopped;
  lifecycle.dispose();
  // Whatever a timed-out stop step left open must not keep the process alive after the drain (unref'd: a clean exit
  // comes first and cancels nothing).
  setTimeout(() => process.exit(exitCodes.ok), 2_000).unref();
  return exitCodes.ok;
}

function configFromFlags(
  o: CloudStartOptions,
  dbFromEnv: string | undefined,
  busFromEnv: string | undefined,
  blobCsFromEnv: string | undefined,
): {
  dataDir: string;
  db?: string;
  bus?: string;
  host: string;
  httpPort: number;
  httpsPort: number;
  mqttPort: number;
  amqpPort: number | null;
  hostname: string;
  logLevel: LogLevel;
  drainTimeoutMs?: number;
  blob: { store: 'azurite' | 'external' | 'none'; host?: string; port: number; connectionString?: string; caFile?: string };
  metrics?: { port: number; host: string };
  tls?: { certFile: string; keyFile: string; caFile?: string };
  retention: { maxCount?: number; maxBytes?: number; maxAgeSec?: number };
  mqtt: { maxPendingHandshakesPerAddress?: number; maxConnectionsPerAddress?: number };
} {
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) {
    throw invalid('--tls-cert', 'and --tls-key must be given together');
  }
  if (o.blobStore !== 'azurite' && o.blobStore !== 'external' && o.blobStore !== 'none') throw invalid('--blob-store', `"${o.blobStore}" is not one of azurite, external, none`);
  const blobCs = o.blobConnectionString ?? (blobCsFromEnv === '' || o.blobStore !== 'external' ? undefined : blobCsFromEnv);
  if (o.blobStore === 'external' && blobCs === undefined) throw invalid('--blob-connection-string', `is required with --blob-store external (or set $${CLOUD_BLOB_CS_ENV})`);
  if (o.blobStore !== 'external' && (blobCs !== undefined || o.blobCaFile !== undefined)) throw invalid(blobCs === undefined ? '--blob-ca-file' : '--blob-connection-string', 'applies to --blob-store external only');
  if (!logLevels.includes(o.logLevel)) throw invalid('--log-level', `"${o.logLevel}" is not one of ${logLevels.join(', ')}`);
  const max = Number.MAX_SAFE_INTEGER;
  const db = o.db ?? (dbFromEnv === '' ? undefined : dbFromEnv);
  const bus = o.bus ?? (busFromEnv === '' ? undefined : busFromEnv);
  return {
    dataDir: o.data,
    ...(db === undefined ? {} : { db }),
    ...(bus === undefined ? {} : { bus }),
    host: o.host,
    httpPort: parseIntegerFlag('--http-port', o.httpPort, 0, 65_535),
    httpsPort: parseIntegerFlag('--https-port', o.httpsPort, 0, 65_535),
    mqttPort: parseIntegerFlag('--mqtt-port', o.mqttPort, 0, 65_535),
    amqpPort: o.amqpPort === 'off' ? null : parseIntegerFlag('--amqp-port', o.amqpPort, 0, 65_535),
    hostname: o.hostname,
    logLevel: o.logLevel as LogLevel,
    ...(o.drainTimeout === undefined ? {} : { drainTimeoutMs: parseIntegerFlag('--drain-timeout', o.drainTimeout, 0, 3_600_000) }),
    blob: {
      store: o.blobStore,
      ...(o.blobHost === undefined ? {} : { host: o.blobHost }),
      port: parseIntegerFlag('--blob-port', o.blobPort, 0, 65_535),
      ...(blobCs === undefined ? {} : { connectionString: blobCs }),
      ...(o.blobCaFile === undefined ? {} : { caFile: o.blobCaFile }),
    },
    ...(o.metricsPort === undefined ? {} : { metrics: { port: parseIntegerFlag('--metrics-port', o.metricsPort, 0, 65_535), host: o.metricsBind } }),
    ...(o.tlsCert === undefined || o.tlsKey === undefined
      ? {}
      : { tls: { certFile: o.tlsCert, keyFile: o.tlsKey, ...(o.tlsCa === undefined ? {} : { caFile: o.tlsCa }) } }),
    retention: {
      ...(o.retentionMessages === undefined ? {} : { maxCount: parseIntegerFlag('--retention-messages', o.retentionMessages, 1, max) }),
      ...(o.retentionBytes === undefined ? {} : { maxBytes: parseIntegerFlag('--retention-bytes', o.retentionBytes, 1024, max) }),
      ...(o.retentionSeconds === undefined ? {} : { maxAgeSec: parseIntegerFlag('--retention-seconds', o.retentionSeconds, 1, max) }),
    },
    mqtt: {
      ...(o.maxPendingHandshakesPerAddress === undefined
        ? {}
        : { maxPendingHandshakesPerAddress: parseIntegerFlag('--max-pending-handshakes-per-address', o.maxPendingHandshakesPerAddress, 1, max) }),
      ...(o.maxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress: parseIntegerFlag('--max-connections-per-address', o.maxConnectionsPerAddress, 1, max) }),
    },
  };
}

import { resolve } from 'node:path';
import { z } from 'zod';
import { VergeError } from '@verge/contracts';
import { defaultIotHubMqttLimits } from '@verge/iothub-mqtt';
import { formatIssuePath } from '@verge/platform';
import { parseBusUrl } from './bus/bus-url.js';
import { parseStorageConnectionString } from './files/storage-connection-string.js';
import { IOT_HUB_C2D_LIMITS } from './services/c2d-service.js';

const port = z.number().int().min(0).max(65_535);

// A DNS name or an IP address: it becomes the SAS audience (`sr`) and a certificate SAN, so no '/', ':' or spaces.
const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, { message: 'must be a DNS name or an IPv4 address (letters, digits, ".", "-")' });

/** The cloud's configuration, validated once at startup (STYLE §2.6). Restart-only settings. */
export const CloudConfigSchema = z.strictObject({
  /** SQLite database, keys, certificates and credentials.json live here. */
  dataDir: z.string().min(1),
  /**
   * Where the cloud keeps its state: absent, SQLite (`cloud.db` in the data directory); a `postgres://…` URL, that
   * PostgreSQL database, which several cloud instances may share. The URL may hold a password: it is never logged.
   */
  db: z.string().min(1).optional(),
  /**
   * NATS with JetStream shared by several instances (`nats://host:port[?prefix=name]`, docs/scale-out/nats-bus.md): events
   * cross instances, direct methods reach the instance holding the connection, stored telemetry is published to a
   * stream, background work runs under leases. Absent: one instance, nothing leaves the process.
   */
  bus: z
    .string()
    .min(1)
    .superRefine((url, c) => {
      const r = parseBusUrl(url);
      if (typeof r === 'string') c.addIssue({ code: 'custom', message: r });
    })
    .optional(),
  /** Address every listener binds. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Plain HTTP for the API (and later the dashboard); 0 picks a free port. */
  httpPort: port.default(8080),
  /** The same API over TLS. */
  httpsPort: port.default(8443),
  /** MQTT over TLS for devices. */
  mqttPort: port.default(8883),
  /** AMQP over TLS for service clients (azure-iothub `Client.send`); IoT Hub's 5671. null: no AMQP listener. */
  amqpPort: port.nullable().default(5671),
  /** The hub host name: SAS audiences, connection strings and the server certificate use it. */
  hostname: hostName.default('localhost'),
  /** A user-supplied server certificate (chain) and key replacing the generated ones. */
  tls: z
    .strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1), caFile: z.string().min(1).optional() })
    .optional(),
  /** Device-to-cloud message retention: the first bound reached drops the oldest messages. */
  retention: z
    .strictObject({
      maxCount: z.number().int().min(1).default(100_000),
      maxBytes: z.number().int().min(1024).default(256 * 1024 * 1024),
      /** IoT Hub's built-in endpoint keeps messages 1 day by default. */
      maxAgeSec: z.number().int().min(1).default(86_400),
      pruneIntervalMs: z.number().int().min(100).default(10_000),
    })
    .prefault({}),
  /** Cloud-to-device queues (IoT Hub's limits by default). */
  c2d: z
    .strictObject({
      maxPendingPerDevice: z.number().int().min(1).max(10_000).default(IOT_HUB_C2D_LIMITS.maxPendingPerDevice),
      maxMessageBytes: z.number().int().min(1).max(1024 * 1024).default(IOT_HUB_C2D_LIMITS.maxMessageBytes),
      defaultTtlSec: z.number().int().min(1).default(IOT_HUB_C2D_LIMITS.defaultTtlSec),
      maxTtlSec: z.number().int().min(1).default(IOT_HUB_C2D_LIMITS.maxTtlSec),
    })
    .prefault({}),
  /**
   * Admission control of the MQTT device endpoint (connect floods): sockets still in the TLS handshake or waiting for
   * CONNECT, and connected devices, in total and per remote address (IPv6: per /64). Devices behind one NAT share
   * an address; raise the per-address limits for such fleets.
   */
  mqtt: z
    .strictObject({
      maxPendingHandshakes: z.number().int().min(1).default(defaultIotHubMqttLimits.maxPendingHandshakes),
      maxPendingHandshakesPerAddress: z.number().int().min(1).default(defaultIotHubMqttLimits.maxPendingHandshakesPerAddress),
      maxConnections: z.number().int().min(1).default(defaultIotHubMqttLimits.maxConnections),
      maxConnectionsPerAddress: z.number().int().min(1).default(defaultIotHubMqttLimits.maxConnectionsPerAddress),
    })
    .prefault({}),
  /**
   * Graceful drain at stop (SIGTERM): not ready at once, no new device connections, and at most this long for the
   * publishes already read to be stored and PUBACKed before the devices are disconnected (docs/scale-out.md).
   */
  drainTimeoutMs: z.number().int().min(0).default(10_000),
  /**
   * The blob store behind IoT Hub file upload: `azurite` (Microsoft's emulator, started by the cloud on first use in
   * `DATA/blob`, HTTPS with the server certificate, bound to `host`), `external` (an Azure Storage account or an
   * Azurite the operator runs, shared by every instance: `connectionString`, TLS verified against Node's CAs plus
   * `caFile`) or `none` (file upload answers 503). With `azurite`, `host` is the name devices dial for blobs (default
   * `hostname`; the server certificate must cover it) and `port` 0 reuses the last start's port, else picks a free one.
   * The connection string holds the account key: it is never logged.
   */
  blob: z
    .strictObject({
      store: z.enum(['azurite', 'external', 'none']).default('azurite'),
      host: hostName.optional(),
      port: port.default(0),
      connectionString: z
        .string()
        .min(1)
        .superRefine((cs, c) => {
          const r = parseStorageConnectionString(cs);
          if (typeof r === 'string') c.addIssue({ code: 'custom', message: `is not a usable Azure Storage connection string: ${r}` });
        })
        .optional(),
      caFile: z.string().min(1).optional(),
    })
    .superRefine((b, c) => {
      if (b.store === 'external' && b.connectionString === undefined) {
        c.addIssue({ code: 'custom', path: ['connectionString'], message: "is required with store 'external' (--blob-connection-string or $VERGE_CLOUD_BLOB_CONNECTION_STRING)" });
      }
      if (b.store !== 'external') {
        for (const k of ['connectionString', 'caFile'] as const) if (b[k] !== undefined) c.addIssue({ code: 'custom', path: [k], message: `applies to store 'external' only, not '${b.store}'` });
      }
    })
    .prefault({}),
  /**
   * A separate Prometheus listener (`--metrics-port`): `GET /metrics` without authentication, on `host` (loopback by
   * default: only a local scraper or agent reaches it). Absent: no such listener; `GET /metrics` on the API ports
   * (which needs a RegistryRead token) is always there (docs/metrics.md).
   */
  metrics: z.strictObject({ port, host: z.string().min(1).default('127.0.0.1') }).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Configuration as given (defaults applied by `parseCloudConfig`). */
export type CloudConfigInput = z.input<typeof CloudConfigSchema>;
/** Configuration with every default applied. */
export type CloudConfig = z.output<typeof CloudConfigSchema>;

/** Validates the configuration; throws CLD_CONFIG_INVALID naming every field and rule. The result is frozen. */
export function parseCloudConfig(input: unknown): Readonly<CloudConfig> {
  const r = CloudConfigSchema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message }));
    throw new VergeError('CLD_CONFIG_INVALID', `invalid cloud configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      details: { issues },
    });
  }
  const c = r.data;
  if (c.c2d.defaultTtlSec > c.c2d.maxTtlSec) {
    throw new VergeError('CLD_CONFIG_INVALID', `invalid cloud configuration: c2d.defaultTtlSec (${c.c2d.defaultTtlSec}) exceeds c2d.maxTtlSec (${c.c2d.maxTtlSec})`, {
      details: { issues: [{ path: 'c2d.defaultTtlSec', message: 'must not exceed c2d.maxTtlSec' }] },
    });
  }
  // Absolute from here on: paths derived from it are written to credentials.json and printed, and must not
  // depend on the working directory of whoever reads them.
  return Object.freeze({ ...c, dataDir: resolve(c.dataDir) });
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiClient, type ApiClient } from '@verge/api-client';
import { startCloud, type CloudConfigInput, type RunningCloud, type StartCloudOptions } from '@verge/cloud';
import { createServiceSasToken, deriveModuleKey, parseConnectionString } from '@verge/core';
import { createLogger, type Logger } from '@verge/platform';
import { eventually } from '../wait/index.js';
import { openSse, type SseCollector } from './sse.js';

/** The ports a cloud listens on. */
export interface CloudPorts {
  readonly http: number;
  readonly https: number;
  readonly mqtt: number;
  /** AMQP for service clients; unset: a free port (the tests run side by side), null: none. */
  readonly amqp: number | null;
}

/** A REST answer: status and parsed JSON (or the text when it is not JSON). */
export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One telemetry message as the cloud's `/messages` and `/events` return it on the wire (body in base64). */
export interface TelemetryDto {
  readonly sequenceNumber: number;
  readonly deviceId: string;
  readonly moduleId?: string;
  readonly enqueuedTime: string;
  readonly systemProperties: Record<string, string>;
  readonly properties: Record<string, string>;
  readonly body: string;
}

/**
 * Settings of {@link startTestCloud} beyond the data directory and ports: `startCloud`'s options, and the shared
 * state of several instances (`db`: a PostgreSQL URL, e.g. a test schema's `urlWithSchema`; `bus`: a NATS URL,
 * e.g. {@link createTestBus}'s `url`); `metricsPort`: the cloud's unauthenticated Prometheus listener (0: a free port);
 * `retention`: the configuration's `retention` (its `pruneIntervalMs` also sets the lease TTL of a cloud with a bus);
 * `blob`: the blob store settings (e.g. an external store several instances share).
 */
export type TestCloudOptions = StartCloudOptions & {
  readonly db?: string;
  readonly bus?: string;
  readonly metricsPort?: number;
  readonly retention?: CloudConfigInput['retention'];
  readonly blob?: CloudConfigInput['blob'];
};

interface DeviceBody {
  readonly deviceScope?: string;
  readonly generationId: string;
  readonly authentication: { readonly symmetricKey: { readonly primaryKey: string | null } };
}

/** The logger of a test cloud: silent unless `VERGE_TEST_LOG` (or `VERGE_E2E_LOG`) names a level. */
function testLog(): Logger {
  const level = process.env['VERGE_TEST_LOG'] ?? process.env['VERGE_E2E_LOG'] ?? 'silent';
  return createLogger({ service: 'cloud', level: level as 'silent' });
}

/**
 * A real cloud (`startCloud` of `@verge/cloud`) on loopback for tests: its API client, owner-authenticated REST
 * calls, device and module registration, and restarts on the same ports and data directory.
 */
export class TestCloud {
  private readonly streams: SseCollector<TelemetryDto>[] = [];

  private constructor(
    /** The running cloud; replaced by `resume`/`restart`. */
    public cloud: RunningCloud,
    public api: ApiClient,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
    private readonly options: TestCloudOptions,
  ) {}

  /** @internal Use {@link startTestCloud}. */
  static async open(dataDir: string | undefined, ports: Partial<CloudPorts>, options: TestCloudOptions): Promise<TestCloud> {
    const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'verge-test-cloud-')));
    const cloud = await launch(dir, ports, options);
    return new TestCloud(cloud, apiOf(cloud), dir, dataDir === undefined, options);
  }

  get hostName(): string {
    return this.cloud.hostName;
  }

  /** The ports it bound (to restart on the same ones). */
  get ports(): CloudPorts {
    return this.cloud.ports;
  }

  get mqttPort(): number {
    return this.cloud.ports.mqtt;
  }

  /** The AMQP port for service clients (null when the cloud was started without one). */
  get amqpPort(): number | null {
    return this.cloud.ports.amqp;
  }

  get caPem(): string {
    return this.cloud.caPem;
  }

  /** A SAS token of the owner policy (what azure-iothub sends), valid for an hour unless `ttlSec` says otherwise. */
  serviceToken(ttlSec = 3600): string {
    const cs = parseConnectionString(this.cloud.serviceConnectionString);
    if (cs.kind !== 'service') throw new Error('the owner connection string is not a service connection string');
    return createServiceSasToken({ hostName: cs.hostName, policyName: cs.sharedAccessKeyName, key: cs.sharedAccessKey, expirySec: Math.floor(Date.now() / 1000) + ttlSec });
  }

  /** A service REST call as the owner; a string or bytes body goes as `application/octet-stream`, anything else as JSON. */
  async rest(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RestResponse> {
    const raw = typeof body === 'string' || body instanceof Uint8Array;
    const res = await fetch(`${this.cloud.urls.http}${path}`, {
      method,
      headers: { authorization: this.serviceToken(), ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: raw ? (body as string | Uint8Array<ArrayBuffer>) : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed };
  }

  /** {@link rest}, failing on any status of 300 or more; resolves with the body. */
  async ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<unknown> {
    const res = await this.rest(method, path, body, headers);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Registers a SAS device (an edge device, disabled, or a leaf in `deviceScope`) and returns its primary key. */
  async createDevice(deviceId: string, o: { edge?: boolean; status?: 'enabled' | 'disabled'; deviceScope?: string } = {}): Promise<string> {
    const body = (await this.ok('PUT', `/devices/${encodeURIComponent(deviceId)}`, {
      deviceId,
      authentication: { type: 'sas' },
      ...(o.status === undefined ? {} : { status: o.status }),
      ...(o.edge === true ? { capabilities: { iotEdge: true } } : {}),
      ...(o.deviceScope === undefined ? {} : { deviceScope: o.deviceScope }),
    })) as DeviceBody;
    return body.authentication.symmetricKey.primaryKey ?? '';
  }

  /** The device scope of a registered device (an edge device's own scope). */
  async deviceScope(deviceId: string): Promise<string> {
    const body = (await this.ok('GET', `/devices/${encodeURIComponent(deviceId)}`)) as DeviceBody;
    if (body.deviceScope === undefined) throw new Error(`device ${deviceId} has no deviceScope`);
    return body.deviceScope;
  }

  /** Registers a self-signed X.509 device with the certificate's thumbprint. */
  async createX509Device(deviceId: string, thumbprint: string): Promise<void> {
    await this.ok('PUT', `/devices/${encodeURIComponent(deviceId)}`, {
      deviceId,
      authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: thumbprint, secondaryThumbprint: null } },
    });
  }

  /** Registers a module (keys generated, or the given primary key) and returns its primary key and generation id. */
  async createModule(deviceId: string, moduleId: string, primaryKey?: string): Promise<{ primaryKey: string; generationId: string }> {
    const auth = primaryKey === undefined ? { type: 'sas' } : { type: 'sas', symmetricKey: { primaryKey, secondaryKey: primaryKey } };
    const body = (await this.ok('PUT', modulePath(deviceId, moduleId), { deviceId, moduleId, authentication: auth })) as DeviceBody;
    return { primaryKey: body.authentication.symmetricKey.primaryKey ?? '', generationId: body.generationId };
  }

  /**
   * Makes sure a module of an edge device exists and checks that the cloud gave it the key derived from the device
   * key (`deriveModuleKey`, as the agent and hub expect); returns its generation id and that key.
   */
  async deriveModule(deviceId: string, deviceKey: string, moduleId: string): Promise<{ generationId: string; key: string }> {
    let existing = await this.rest('GET', modulePath(deviceId, moduleId));
    if (existing.status === 404) existing = { status: 200, body: await this.ok('PUT', modulePath(deviceId, moduleId), { deviceId, moduleId }) };
    const body = existing.body as DeviceBody;
    const key = deriveModuleKey(deviceKey, moduleId, body.generationId, 'primary');
    if (body.authentication.symmetricKey.primaryKey !== key) throw new Error(`module ${moduleId}: the cloud's primary key is not the one derived from the device key`);
    return { generationId: body.generationId, key };
  }

  /** Merge-patches a module twin's desired properties. */
  async patchModuleDesired(deviceId: string, moduleId: string, desired: Record<string, unknown>): Promise<void> {
    await this.ok('PATCH', `/twins/${encodeURIComponent(deviceId)}/modules/${encodeURIComponent(moduleId)}`, { properties: { desired } });
  }

  /** A module twin's properties. */
  async moduleTwin(deviceId: string, moduleId: string): Promise<{ properties: { desired: Record<string, unknown>; reported: Record<string, unknown> } }> {
    return (await this.ok('GET', `/twins/${encodeURIComponent(deviceId)}/modules/${encodeURIComponent(moduleId)}`)) as {
      properties: { desired: Record<string, unknown>; reported: Record<string, unknown> };
    };
  }

  /** The desired properties of every module twin of a device (by module id), without `$version`/`$metadata`. */
  async moduleDesiredAll(deviceId: string): Promise<Record<string, Record<string, unknown>>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const m of await this.api.modules.list(deviceId)) {
      const { $version: _v, $metadata: _m, ...desired } = (await this.api.twins.get({ deviceId, moduleId: m.moduleId })).properties.desired as Record<string, unknown>;
      out[m.moduleId] = desired;
    }
    return out;
  }

  /** Queues a cloud-to-device message with application properties. */
  async sendC2d(deviceId: string, text: string, appProps: Record<string, string> = {}): Promise<void> {
    const headers = Object.fromEntries(Object.entries(appProps).map(([k, v]) => [`iothub-app-${k}`, v]));
    const res = await this.rest('POST', `/devices/${encodeURIComponent(deviceId)}/messages/deviceBound`, text, headers);
    if (res.status !== 202) throw new Error(`C2D → ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Telemetry the cloud stored, oldest first (`query` continues the query string: `&deviceId=…`). */
  async messages(query = ''): Promise<TelemetryDto[]> {
    return (await this.ok('GET', `/messages?limit=1000${query}`)) as TelemetryDto[];
  }

  /** Opens `GET /events` (Server-Sent Events, wire format) and collects telemetry until the cloud stops. */
  async openEvents(query = ''): Promise<{ readonly messages: TelemetryDto[] }> {
    const stream = await openSse<TelemetryDto>(`${this.cloud.urls.http}/events${query}`, this.serviceToken(), 'telemetry');
    this.streams.push(stream);
    return stream;
  }

  /**
   * The topic filters of a persistent MQTT session (`clientId` is `{device}` or `{device}/{module}`), as the cloud
   * stored them on SUBSCRIBE. The Azure SDK subscribes lazily (on `twin.on`, `onDeviceMethod`…): tests wait for this.
   */
  async subscriptions(clientId: string): Promise<string[]> {
    const session = await this.cloud.services.endpoint.loadMqttSession?.(clientId);
    return session?.subscriptions.map((s) => s.filter) ?? [];
  }

  /** Waits until `clientId` has subscribed to a topic filter starting with `prefix` (e.g. `$iothub/methods/POST/`). */
  async subscribed(clientId: string, prefix: string, timeoutMs = 10_000): Promise<void> {
    await eventually(async () => (await this.subscriptions(clientId)).some((f) => f.startsWith(prefix)), { timeoutMs, description: `${clientId} to subscribe to ${prefix}…` });
  }

  /**
   * Waits until device `{d}` or module `{d}/{m}` has made `count` new connections (a reconnect, or the SDK's token
   * renewal: DISCONNECT then CONNECT), seen as new `connectionStateUpdatedTime` values while it is Connected. The
   * connection in force at the first look is the baseline.
   */
  async reconnects(clientId: string, count: number, timeoutMs = 30_000): Promise<void> {
    const [deviceId = '', moduleId] = clientId.split('/');
    const path = moduleId === undefined ? `/devices/${encodeURIComponent(deviceId)}` : modulePath(deviceId, moduleId);
    const seen = new Set<string>();
    await eventually(
      async () => {
        const body = (await this.ok('GET', path)) as { connectionState?: string; connectionStateUpdatedTime?: string };
        if (body.connectionState === 'Connected' && body.connectionStateUpdatedTime !== undefined) seen.add(body.connectionStateUpdatedTime);
        return seen.size > count;
      },
      { timeoutMs, description: `${count} new connections of ${clientId}` },
    );
  }

  /** Stops the cloud, keeping its data (to `resume` on the same ports). */
  async pause(): Promise<void> {
    for (const s of this.streams.splice(0)) s.stop();
    await this.cloud.stop();
  }

  /** Starts the cloud again on the same ports and data directory. */
  async resume(): Promise<void> {
    this.cloud = await launch(this.dataDir, this.cloud.ports, this.options);
    this.api = apiOf(this.cloud);
  }

  /** `pause` then `resume`. */
  async restart(): Promise<void> {
    await this.pause();
    await this.resume();
  }

  /** Stops the cloud; removes the data directory it created (never one it was given) unless `keepData`. */
  async stop(o: { keepData?: boolean } = {}): Promise<void> {
    await this.pause();
    if (this.ownsDataDir && o.keepData !== true) await rm(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Starts a real cloud on loopback. `dataDir` defaults to a temporary directory that `stop()` removes; `ports`
 * default to 0 (free ports; pass a stopped cloud's `ports` to restart on them); `options` may inject a logger (to
 * assert on log lines), a clock or MQTT limits.
 */
export function startTestCloud(dataDir?: string, ports: Partial<CloudPorts> = {}, options: TestCloudOptions = {}): Promise<TestCloud> {
  return TestCloud.open(dataDir, ports, options);
}

function launch(dataDir: string, ports: Partial<CloudPorts>, options: TestCloudOptions): Promise<RunningCloud> {
  const { db, bus, metricsPort, retention, blob, ...startOptions } = options;
  return startCloud(
    {
      dataDir,
      host: '127.0.0.1',
      httpPort: ports.http ?? 0,
      httpsPort: ports.https ?? 0,
      mqttPort: ports.mqtt ?? 0,
      amqpPort: ports.amqp === undefined ? 0 : ports.amqp,
      hostname: 'localhost',
      logLevel: 'silent',
      ...(db === undefined ? {} : { db }),
      ...(bus === undefined ? {} : { bus }),
      ...(metricsPort === undefined ? {} : { metrics: { port: metricsPort } }),
      ...(retention === undefined ? {} : { retention }),
      ...(blob === undefined ? {} : { blob }),
    },
    { ...startOptions, log: startOptions.log ?? testLog() },
  );
}

function apiOf(cloud: RunningCloud): ApiClient {
  return createApiClient({ connectionString: cloud.serviceConnectionString, baseUrl: cloud.urls.http });
}

function modulePath(deviceId: string, moduleId: string): string {
  return `/devices/${encodeURIComponent(deviceId)}/modules/${encodeURIComponent(moduleId)}`;
}

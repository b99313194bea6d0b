import { createServiceSasToken } from '@verge/core';
import { createApiClient, deviceConnectionString, type ApiClient, type Device, type TelemetryMessage } from '@verge/api-client';
import { startCloud, type RunningCloud, type StartCloudOptions } from '@verge/cloud';
import { createLogger } from '@verge/platform';

/** A real cloud for the end-to-end tests: loopback, ports 0 (or fixed ones to restart on), its API client. */
export interface TestCloud {
  readonly cloud: RunningCloud;
  readonly api: ApiClient;
  /** The ports it bound, to restart on the same ones (`restartCloud`). */
  readonly ports: { readonly http: number; readonly https: number; readonly mqtt: number };
}

/**
 * Starts the cloud in `dataDir` on loopback; `ports` default to 0 (free ports). `options` may inject a logger (to
 * assert on log lines) or MQTT limits (e.g. per-address admission limits).
 */
export async function startTestCloud(
  dataDir: string,
  ports: { http: number; https: number; mqtt: number } = { http: 0, https: 0, mqtt: 0 },
  options: Pick<StartCloudOptions, 'log' | 'mqttLimits'> = {},
): Promise<TestCloud> {
  const cloud = await startCloud(
    { dataDir, host: '127.0.0.1', httpPort: ports.http, httpsPort: ports.https, mqttPort: ports.mqtt, hostname: 'localhost', logLevel: 'warn' },
    {
      log: options.log ?? createLogger({ service: 'cloud', level: (process.env['VERGE_E2E_LOG'] as 'info' | undefined) ?? 'error' }),
      ...(options.mqttLimits === undefined ? {} : { mqttLimits: options.mqttLimits }),
    },
  );
  const api = createApiClient({ connectionString: cloud.serviceConnectionString, baseUrl: cloud.urls.http });
  return { cloud, api, ports: cloud.ports };
}

/** An edge device (`capabilities.iotEdge`) and its connection string dialling the cloud's MQTT port. */
export async function createEdgeDevice(t: TestCloud, deviceId: string): Promise<{ device: Device; connectionString: string }> {
  const device = await t.api.devices.create({ deviceId, capabilities: { iotEdge: true } });
  return { device, connectionString: connectionStringOf(t, device, `localhost:${t.ports.mqtt}`) };
}

/** A leaf device, child of `edge` (its device scope). */
export async function createLeafDevice(t: TestCloud, deviceId: string, edge: Device): Promise<Device> {
  const scope = edge.deviceScope;
  if (scope === undefined || scope === null) throw new Error(`edge device ${edge.deviceId} has no deviceScope`);
  return t.api.devices.create({ deviceId, deviceScope: scope });
}

/** The connection string of a device that dials `gateway` (`host:port`: the edge hub for a leaf, the cloud otherwise). */
export function connectionStringOf(t: TestCloud, device: Device, gateway: string): string {
  const cs = deviceConnectionString(t.api.hostName, device, { gatewayHostName: gateway });
  if (cs === undefined) throw new Error(`device ${device.deviceId} has no symmetric key`);
  return cs;
}

/** `POST /devices/{id}/applyConfigurationContent` with the owner policy's token; resolves with the HTTP answer. */
export async function applyConfigurationContent(t: TestCloud, deviceId: string, content: unknown): Promise<{ status: number; body: string }> {
  const cs = Object.fromEntries(t.cloud.serviceConnectionString.split(';').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const token = createServiceSasToken({
    hostName: String(cs['HostName']),
    policyName: String(cs['SharedAccessKeyName']),
    key: String(cs['SharedAccessKey']),
    expirySec: Math.floor(Date.now() / 1000) + 3600,
  });
  const res = await fetch(`${t.cloud.urls.http}/devices/${encodeURIComponent(deviceId)}/applyConfigurationContent?api-version=2021-04-12`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify(content),
  });
  return { status: res.status, body: await res.text() };
}

/** Collects the cloud's live `/events` (Server-Sent Events) for one device until `stop()`. */
export interface EventCollector {
  readonly messages: readonly TelemetryMessage[];
  /** Parsed JSON bodies of one module's messages, in arrival order. */
  bodiesOf(moduleId: string | undefined): Record<string, unknown>[];
  stop(): void;
}

/** Subscribes to `/events?deviceId=` (reconnecting with Last-Event-ID across cloud restarts). */
export function collectEvents(api: ApiClient, deviceId: string): EventCollector {
  const abort = new AbortController();
  const messages: TelemetryMessage[] = [];
  void (async () => {
    try {
      for await (const m of api.events({ deviceId }, { signal: abort.signal, reconnect: { initialDelayMs: 200, maxDelayMs: 1000 } })) messages.push(m);
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return {
    messages,
    bodiesOf: (moduleId) =>
      messages.filter((m) => m.moduleId === moduleId).map((m) => JSON.parse(new TextDecoder().decode(m.body)) as Record<string, unknown>),
    stop: () => abort.abort(),
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceSasToken, deriveModuleKey, parseConnectionString } from '@verge/core';
import { startCloud, type RunningCloud } from '../../../../cloud/src/start-cloud.js';

/** One telemetry message as the cloud's `/messages` and `/events` return it. */
export interface TelemetryDto {
  readonly sequenceNumber: number;
  readonly deviceId: string;
  readonly moduleId?: string;
  readonly systemProperties: Record<string, string>;
  readonly properties: Record<string, string>;
  readonly body: string;
}

interface DeviceBody {
  deviceScope?: string;
  generationId: string;
  authentication: { type: string; symmetricKey: { primaryKey: string | null; secondaryKey: string | null } };
  status: 'enabled' | 'disabled';
}

/** A real cloud (`startCloud`, free ports, temporary data directory) with the REST calls the hub tests need. */
export class HubTestCloud {
  private constructor(
    public cloud: RunningCloud,
    readonly dataDir: string,
    private ownerKey: string,
  ) {}

  static async start(): Promise<HubTestCloud> {
    const dir = await mkdtemp(join(tmpdir(), 'verge-hub-cloud-'));
    const cloud = await startCloud({ dataDir: dir, httpPort: 0, httpsPort: 0, mqttPort: 0, hostname: 'localhost', logLevel: 'silent' });
    return new HubTestCloud(cloud, dir, ownerKeyOf(cloud));
  }

  get hostName(): string {
    return this.cloud.hostName;
  }

  /** Stops the cloud, keeping its data (to restart it on the same ports). */
  async pause(): Promise<void> {
    await this.cloud.stop();
  }

  /** Starts the cloud again on the same ports and data. */
  async resume(): Promise<void> {
    const { http, mqtt } = this.cloud.ports;
    this.cloud = await startCloud({ dataDir: this.dataDir, httpPort: http, httpsPort: this.cloud.ports.https, mqttPort: mqtt, hostname: 'localhost', logLevel: 'silent' });
    this.ownerKey = ownerKeyOf(this.cloud);
  }

  async stop(): Promise<void> {
    await this.cloud.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  async rest(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const token = createServiceSasToken({ hostName: this.hostName, policyName: 'owner', key: this.ownerKey, expirySec: Math.floor(Date.now() / 1000) + 3600 });
    const res = await fetch(`${this.cloud.urls.http}${path}`, {
      method,
      headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  private async must(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<unknown> {
    const r = await this.rest(method, path, body, headers);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Registers an edge device; returns its primary key and device scope. */
  async createEdgeDevice(deviceId: string): Promise<{ key: string; scope: string }> {
    const d = (await this.must('PUT', `/devices/${encodeURIComponent(deviceId)}`, { deviceId, capabilities: { iotEdge: true }, authentication: { type: 'sas' } })) as DeviceBody;
    return { key: d.authentication.symmetricKey.primaryKey ?? '', scope: d.deviceScope ?? '' };
  }

  /** Registers a leaf device under an edge device's scope; returns its primary key. */
  async createLeaf(deviceId: string, parentScope: string): Promise<string> {
    const d = (await this.must('PUT', `/devices/${encodeURIComponent(deviceId)}`, { deviceId, deviceScope: parentScope, authentication: { type: 'sas' } })) as DeviceBody;
    return d.authentication.symmetricKey.primaryKey ?? '';
  }

  /**
   * Makes sure a module identity of an edge device exists; the cloud gives it keys derived from the device's keys
   * (as the agent expects, issue #4). Checks the primary key is `deriveModuleKey(deviceKey, m, generationId, 'primary')`.
   */
  async deriveModule(deviceId: string, deviceKey: string, moduleId: string): Promise<{ generationId: string; key: string }> {
    const path = `/devices/${encodeURIComponent(deviceId)}/modules/${encodeURIComponent(moduleId)}`;
    let existing = await this.rest('GET', path);
    if (existing.status === 404) existing = { status: 200, body: await this.must('PUT', path, { deviceId, moduleId }) };
    const body = existing.body as DeviceBody;
    const key = deriveModuleKey(deviceKey, moduleId, body.generationId, 'primary');
    if (body.authentication.symmetricKey.primaryKey !== key) throw new Error(`module ${moduleId}: the cloud's primary key is not the one derived from the device key`);
    return { generationId: body.generationId, key };
  }

  /** Merge-patches a module twin's desired properties. */
  async patchModuleDesired(deviceId: string, moduleId: string, desired: Record<string, unknown>): Promise<void> {
    await this.must('PATCH', `/twins/${encodeURIComponent(deviceId)}/modules/${encodeURIComponent(moduleId)}`, { properties: { desired } });
  }

  async moduleTwin(deviceId: string, moduleId: string): Promise<{ properties: { desired: Record<string, unknown>; reported: Record<string, unknown> } }> {
    return (await this.must('GET', `/twins/${encodeURIComponent(deviceId)}/modules/${encodeURIComponent(moduleId)}`)) as {
      properties: { desired: Record<string, unknown>; reported: Record<string, unknown> };
    };
  }

  /** Queues a cloud-to-device message with an application property. */
  async sendC2d(deviceId: string, text: string, appProps: Record<string, string> = {}): Promise<void> {
    const token = createServiceSasToken({ hostName: this.hostName, policyName: 'owner', key: this.ownerKey, expirySec: Math.floor(Date.now() / 1000) + 3600 });
    const headers: Record<string, string> = { authorization: token, 'content-type': 'application/octet-stream' };
    for (const [k, v] of Object.entries(appProps)) headers[`iothub-app-${k}`] = v;
    const res = await fetch(`${this.cloud.urls.http}/devices/${encodeURIComponent(deviceId)}/messages/deviceBound`, { method: 'POST', headers, body: text });
    if (res.status !== 202) throw new Error(`C2D → ${res.status} ${await res.text()}`);
  }

  /** Telemetry the cloud stored (oldest first). */
  async messages(query = ''): Promise<TelemetryDto[]> {
    return (await this.must('GET', `/messages?limit=1000${query}`)) as TelemetryDto[];
  }
}

function ownerKeyOf(cloud: RunningCloud): string {
  const cs = parseConnectionString(cloud.serviceConnectionString);
  if (cs.kind !== 'service') throw new Error('not a service connection string');
  return cs.sharedAccessKey;
}

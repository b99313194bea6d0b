import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceSasToken, parseConnectionString } from '@verge/core';
import { startCloud, type RunningCloud } from '../../../../cloud/src/start-cloud.js';

/** A REST answer: status and parsed JSON (or text). */
export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A real cloud on free ports in a temporary directory, plus owner-authenticated REST helpers. */
export class TestCloud {
  private constructor(
    public cloud: RunningCloud,
    readonly dataDir: string,
    private readonly ownerKey: string,
  ) {}

  static async start(dataDir?: string, ports?: { httpPort: number; mqttPort: number }): Promise<TestCloud> {
    const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'verge-dc-cloud-')));
    const cloud = await startCloud({ dataDir: dir, httpPort: ports?.httpPort ?? 0, httpsPort: 0, mqttPort: ports?.mqttPort ?? 0, hostname: 'localhost', logLevel: 'silent' });
    const cs = parseConnectionString(cloud.serviceConnectionString);
    if (cs.kind !== 'service') throw new Error('owner connection string is not a service connection string');
    return new TestCloud(cloud, dir, cs.sharedAccessKey);
  }

  get hostName(): string {
    return this.cloud.hostName;
  }

  get mqttPort(): number {
    return this.cloud.ports.mqtt;
  }

  get caPem(): string {
    return this.cloud.caPem;
  }

  /** A SAS token of the owner policy (what azure-iothub sends), valid for an hour. */
  serviceToken(): string {
    return createServiceSasToken({ hostName: this.hostName, policyName: 'owner', key: this.ownerKey, expirySec: Math.floor(Date.now() / 1000) + 3600 });
  }

  async rest(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RestResponse> {
    const token = this.serviceToken();
    const raw = typeof body === 'string';
    const res = await fetch(`${this.cloud.urls.http}${path}`, {
      method,
      headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed };
  }

  async ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<unknown> {
    const res = await this.rest(method, path, body, headers);
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Registers a SAS device (optionally an edge device) and returns its primary key. */
  async createDevice(deviceId: string, options: { edge?: boolean } = {}): Promise<string> {
    const body = (await this.ok('PUT', `/devices/${encodeURIComponent(deviceId)}`, {
      deviceId,
      authentication: { type: 'sas' },
      ...(options.edge === true ? { capabilities: { iotEdge: true } } : {}),
    })) as { authentication: { symmetricKey: { primaryKey: string } } };
    return body.authentication.symmetricKey.primaryKey;
  }

  /** Registers a module (keys generated, or the given primary key) and returns its primary key and generationId. */
  async createModule(deviceId: string, moduleId: string, primaryKey?: string): Promise<{ primaryKey: string; generationId: string }> {
    const path = `/devices/${encodeURIComponent(deviceId)}/modules/${encodeURIComponent(moduleId)}`;
    const auth = primaryKey === undefined ? { type: 'sas' } : { type: 'sas', symmetricKey: { primaryKey, secondaryKey: primaryKey } };
    const body = (await this.ok('PUT', path, { deviceId, moduleId, authentication: auth })) as { generationId: string; authentication: { symmetricKey: { primaryKey: string } } };
    return { primaryKey: body.authentication.symmetricKey.primaryKey, generationId: body.generationId };
  }

  async stop(options: { keepData?: boolean } = {}): Promise<void> {
    await this.cloud.stop();
    if (options.keepData !== true) await rm(this.dataDir, { recursive: true, force: true });
  }

  /** Stops and starts the cloud again on the same ports and data directory. */
  async restart(downMs = 0): Promise<void> {
    const ports = { httpPort: this.cloud.ports.http, mqttPort: this.cloud.ports.mqtt };
    await this.cloud.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    this.cloud = (await TestCloud.start(this.dataDir, ports)).cloud;
  }
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import deviceSdk from 'azure-iot-device';
import type { Client as DeviceClient, ModuleClient as ModuleClientType } from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import Database from 'better-sqlite3';
import { eventually } from '@verge/testkit';
import { createCa, createLogger, type CertificateAuthority } from '@verge/platform';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { createEdgeHub, createEdgeHubScopeSource, type EdgeHub, type EdgeHubDeps } from '../../../src/hub/index.js';

const { Client, ModuleClient } = deviceSdk;
const { Mqtt } = mqttTransport;
export const { Message } = deviceSdk;

export const EDGE_ID = 'edge1';

/** Routes used by the hub tests (schema 1.1: objects with priority/TTL allowed). */
export const TEST_ROUTES = {
  AtoB: 'FROM /messages/modules/modA/outputs/out1 INTO BrokeredEndpoint("/modules/modB/inputs/in1")',
  BtoUp: 'FROM /messages/modules/modB/outputs/* INTO $upstream',
  AupUp: 'FROM /messages/modules/modA/outputs/up INTO $upstream',
  leafUp: 'FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO $upstream',
};

/** A cloud, an edge device with modules `modA`/`modB` (derived keys) and leaf `leaf1`, and an edge hub for it. */
export class HubFixture {
  hub: EdgeHub | undefined;
  hubPort = 0;
  private readonly sdkClients: { close(): Promise<unknown> }[] = [];
  readonly generations = new Map<string, string>();
  readonly moduleKeys = new Map<string, string>();

  private constructor(
    readonly cloud: TestCloud,
    readonly dataDir: string,
    readonly edgeCa: CertificateAuthority,
    readonly deviceKey: string,
    readonly edgeScope: string,
    readonly leafKey: string,
  ) {}

  static async create(routes: Record<string, unknown> = TEST_ROUTES): Promise<HubFixture> {
    const cloud = await startTestCloud();
    const key = await cloud.createDevice(EDGE_ID, { edge: true });
    const scope = await cloud.deviceScope(EDGE_ID);
    const leafKey = await cloud.createDevice('leaf1', { deviceScope: scope });
    const edgeCa = await createCa({ commonName: 'Verge test edge CA', validityDays: 2 });
    const dataDir = await mkdtemp(join(tmpdir(), 'verge-hub-'));
    const f = new HubFixture(cloud, dataDir, edgeCa, key, scope, leafKey);
    for (const m of ['$edgeHub', 'modA', 'modB']) {
      const { generationId, key: mk } = await cloud.deriveModule(EDGE_ID, key, m);
      f.generations.set(m, generationId);
      f.moduleKeys.set(m, mk);
    }
    await cloud.patchModuleDesired(EDGE_ID, '$edgeHub', { schemaVersion: '1.1', routes, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } });
    return f;
  }

  deps(overrides: Partial<EdgeHubDeps> = {}): EdgeHubDeps {
    const resolveModule = (m: string): { generationId: string } | undefined => {
      const g = this.generations.get(m);
      return g === undefined ? undefined : { generationId: g };
    };
    const device = { iotHubHostName: this.cloud.hostName, deviceId: EDGE_ID, deviceKey: this.deviceKey };
    return {
      options: { dataDir: this.dataDir, hostname: 'localhost', listenHost: '127.0.0.1', mqttPort: this.hubPort },
      log: createLogger({ service: 'edge-hub-test', level: (process.env['HUB_TEST_LOG'] as 'info' | undefined) ?? 'silent' }),
      device,
      resolveModule,
      edgeCa: this.edgeCa,
      upstream: { host: 'localhost', port: this.cloud.ports.mqtt, ca: this.cloud.caPem },
      // The production path: the device scope from the cloud, signed as `$edgeHub` (what startEdge passes).
      deviceScope: createEdgeHubScopeSource({ baseUrl: this.cloud.cloud.urls.https, ca: this.cloud.caPem, ...device, resolveModule }),
      ...overrides,
    };
  }

  /** Starts the hub (on the same port as before, after the first start). */
  async startHub(overrides: Partial<EdgeHubDeps> = {}): Promise<EdgeHub> {
    const hub = createEdgeHub(this.deps(overrides));
    const { port } = await hub.start();
    this.hub = hub;
    this.hubPort = port;
    return hub;
  }

  async stopHub(): Promise<void> {
    await this.hub?.stop();
    this.hub = undefined;
  }

  moduleConnectionString(moduleId: string): string {
    return `HostName=${this.cloud.hostName};DeviceId=${EDGE_ID};ModuleId=${moduleId};SharedAccessKey=${this.moduleKeys.get(moduleId) ?? ''};GatewayHostName=localhost:${this.hubPort}`;
  }

  leafConnectionString(): string {
    return `HostName=${this.cloud.hostName};DeviceId=leaf1;SharedAccessKey=${this.leafKey};GatewayHostName=localhost:${this.hubPort}`;
  }

  /** `ModuleClient.fromConnectionString(cs, Mqtt)`, trusting the edge CA (PEM text, azure-sdk-protocol.md §1). */
  async module(moduleId: string): Promise<ModuleClientType> {
    const client = ModuleClient.fromConnectionString(this.moduleConnectionString(moduleId), Mqtt);
    client.on('error', () => undefined);
    await client.setOptions({ ca: this.edgeCa.certificatePem });
    this.sdkClients.push(client);
    await client.open();
    return client;
  }

  /** A leaf: `Client.fromConnectionString(cs + ';GatewayHostName=localhost:<hubPort>', Mqtt)`. */
  async leaf(): Promise<DeviceClient> {
    const client = Client.fromConnectionString(this.leafConnectionString(), Mqtt);
    client.on('error', () => undefined);
    await client.setOptions({ ca: this.edgeCa.certificatePem });
    this.sdkClients.push(client);
    await client.open();
    return client;
  }

  /**
   * The topic filters of a client's persistent session (`edge1/modA`, `leaf1`) as the hub stored them on SUBSCRIBE
   * (hub-state.db, read-only). The SDK subscribes lazily (`on('inputMessage')`, `twin.on`, `onMethod`): tests wait
   * for the subscription with {@link subscribed}, never for time.
   */
  subscriptions(clientId: string): string[] {
    const db = new Database(join(this.dataDir, 'hub-state.db'), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT state FROM sessions WHERE client_id = ?').get(clientId) as { state: string } | undefined;
      return row === undefined ? [] : (JSON.parse(row.state) as { subscriptions: { filter: string }[] }).subscriptions.map((x) => x.filter);
    } finally {
      db.close();
    }
  }

  /** Waits until `clientId` (`edge1/modB`, `leaf1`) has subscribed to a topic filter starting with `prefix`. */
  async subscribed(clientId: string, prefix: string): Promise<void> {
    await eventually(() => this.subscriptions(clientId).some((f) => f.startsWith(prefix)), { description: `${clientId} to subscribe to ${prefix}… at the hub` });
  }

  async closeClients(): Promise<void> {
    await Promise.allSettled(this.sdkClients.splice(0).map((c) => c.close()));
  }

  async dispose(): Promise<void> {
    await this.closeClients();
    await this.stopHub();
    await this.cloud.stop().catch(() => undefined);
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** A cloud telemetry body (base64) as text. */
export function text(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}

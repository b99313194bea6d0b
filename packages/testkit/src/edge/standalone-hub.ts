import { createEdgeHub, createEdgeHubScopeSource, type EdgeHub, type EdgeHubDeps } from '@verge/edge';
import { createCa, createLogger, type CertificateAuthority } from '@verge/platform';
import type { Device } from '@verge/api-client';
import { createEdgeDevice, createLeafDevice, type TestCloud } from '../cloud/index.js';
import { LEAVES_TO_UPSTREAM } from '../manifest/index.js';

/** An edge device registered in the cloud for a hub started on its own (no agent), and a leaf in its scope. */
export interface HubIdentities {
  readonly edge: Device;
  readonly edgeKey: string;
  readonly leaf: Device;
  readonly leafKey: string;
  /** `$edgeHub`'s generation id (its upstream key derives from it). */
  readonly hubGenerationId: string;
}

/**
 * Registers edge device `edgeId` with its `$edgeHub` module (routes in its desired properties, as a deployment
 * would set them) and leaf `leafId` in its scope.
 */
export async function registerHubIdentities(t: TestCloud, o: { edgeId: string; leafId: string; routes?: Record<string, string> }): Promise<HubIdentities> {
  const { device: edge } = await createEdgeDevice(t, o.edgeId);
  const leaf = await createLeafDevice(t, o.leafId, edge);
  const hubModule = await t.api.modules.get(o.edgeId, '$edgeHub').catch(() => t.api.modules.create({ deviceId: o.edgeId, moduleId: '$edgeHub' }));
  await t.api.twins.update(
    { deviceId: o.edgeId, moduleId: '$edgeHub' },
    { properties: { desired: { schemaVersion: '1.1', routes: o.routes ?? { leaves: LEAVES_TO_UPSTREAM }, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } } } },
  );
  return {
    edge,
    edgeKey: String(edge.authentication?.symmetricKey?.primaryKey),
    leaf,
    leafKey: String(leaf.authentication?.symmetricKey?.primaryKey),
    hubGenerationId: hubModule.generationId,
  };
}

/** A test edge CA, valid `validityDays` (fractions allowed: a short-lived CA clamps the hub certificate). */
export function createTestEdgeCa(validityDays = 2): Promise<CertificateAuthority> {
  return createCa({ commonName: 'Verge test edge CA', validityDays, pathLength: 0 });
}

/**
 * The dependencies of a real edge hub (`createEdgeHub`) for `ids` against `t`'s cloud, on loopback, with the test
 * seams the fault tests inject (`edgeCa`, `nowMs`, the logger).
 */
export function standaloneHubDeps(t: TestCloud, ids: HubIdentities, o: { dataDir: string; edgeCa: CertificateAuthority; port?: number } & Partial<EdgeHubDeps>): EdgeHubDeps {
  const { dataDir, port, ...overrides } = o;
  const resolveModule = (m: string): { generationId: string } | undefined => (m === '$edgeHub' ? { generationId: ids.hubGenerationId } : undefined);
  return {
    options: { dataDir, hostname: 'localhost', listenHost: '127.0.0.1', mqttPort: port ?? 0 },
    log: createLogger({ service: 'edge-hub', level: (process.env['VERGE_E2E_LOG'] as 'info' | undefined) ?? 'silent' }),
    device: { iotHubHostName: t.api.hostName, deviceId: ids.edge.deviceId, deviceKey: ids.edgeKey },
    resolveModule,
    upstream: { host: 'localhost', port: t.ports.mqtt, ca: t.cloud.caPem },
    deviceScope: createEdgeHubScopeSource({ baseUrl: t.cloud.urls.https, ca: t.cloud.caPem, iotHubHostName: t.api.hostName, deviceId: ids.edge.deviceId, deviceKey: ids.edgeKey, resolveModule }),
    ...overrides,
  };
}

/** Creates and starts the hub; resolves with it and its port. */
export async function startStandaloneHub(deps: EdgeHubDeps): Promise<{ hub: EdgeHub; port: number }> {
  const hub = createEdgeHub(deps);
  const { port } = await hub.start();
  return { hub, port };
}

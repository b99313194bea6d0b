import { Agent, request } from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import { DeviceScopeDtoSchema, ModuleDtoSchema, ScopeResultDtoSchema, type ModuleDto } from '@verge/contracts';
import { deriveModuleKey } from '@verge/core';
import { exampleManifest } from '@verge/testkit/manifest';
import { identityToken } from '@verge/testkit/mqtt';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { SdkClients, moduleConnectionString, nextDesired } from './sdk-support/sdk-clients.js';

// docs/edge-cloud.md against a real cloud (`startCloud`: SQLite, REST over HTTP and HTTPS, MQTT over TLS): what the
// edge runtime does with only its device connection string, and a deployment through the unmodified azure-iothub
// SDK reaching the unmodified device SDK as `$edgeAgent`.

let cloud: TestCloud;
let deviceKey: string;
const sdk = new SdkClients();
const { Registry } = iothub;

beforeAll(async () => {
  cloud = await startTestCloud();
  const res = await cloud.rest('PUT', '/devices/edge1', { deviceId: 'edge1', capabilities: { iotEdge: true } });
  expect(res.status).toBe(200);
  deviceKey = (res.body as { authentication: { symmetricKey: { primaryKey: string } } }).authentication.symmetricKey.primaryKey;
  const leaf = await cloud.rest('PUT', '/devices/leaf1', { deviceId: 'leaf1', deviceScope: (res.body as { deviceScope: string }).deviceScope });
  expect(leaf.status).toBe(200);
});
afterEach(async () => sdk.closeAll());
afterAll(async () => cloud?.stop());

/** A REST call signed as the edge device itself (what the runtime does). */
async function asDevice(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${cloud.cloud.urls.http}${path}`, {
    method,
    headers: {
      authorization: identityToken({ host: cloud.hostName, deviceId: 'edge1', key: deviceKey, expirySec: Math.floor(Date.now() / 1000) + 600 }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function systemModule(moduleId: string): Promise<ModuleDto> {
  const listed = await asDevice('GET', '/devices/edge1/modules?api-version=2021-04-12');
  expect(listed.status).toBe(200);
  const module = ModuleDtoSchema.array().parse(listed.body).find((m) => m.moduleId === moduleId);
  if (module === undefined) throw new Error(`${moduleId} is not listed`);
  return module;
}

/** Opens an SDK ModuleClient as `moduleId` with the key the runtime derives from the device key. */
async function openModule(module: ModuleDto) {
  const key = deriveModuleKey(deviceKey, module.moduleId, module.generationId, 'primary');
  const cs = moduleConnectionString({ hostName: cloud.hostName, deviceId: 'edge1', moduleId: module.moduleId, key, port: cloud.mqttPort });
  const client = await sdk.module(cs, { ca: cloud.caPem });
  await client.open();
  return client;
}

describe('edge device ↔ cloud', () => {
  it('reads its modules and its scope with its own token, and is refused elsewhere', async () => {
    const agent = await systemModule('$edgeAgent');
    expect(agent).toMatchObject({ managedBy: 'iotEdge', authentication: { type: 'sas' } });
    expect(agent.authentication.symmetricKey.primaryKey).toBe(deriveModuleKey(deviceKey, '$edgeAgent', agent.generationId, 'primary'));
    const scope = await asDevice('GET', '/devices/edge1/scope');
    expect(scope.status).toBe(200);
    const parsed = DeviceScopeDtoSchema.parse(scope.body);
    expect(parsed.devices.map((d) => [d.deviceId, d.status, d.authentication.type])).toEqual([['leaf1', 'enabled', 'sas']]);
    expect(parsed.modules.map((m) => m.moduleId)).toEqual(['$edgeAgent', '$edgeHub']);
    const created = await asDevice('PUT', '/devices/edge1/modules/filter', { moduleId: 'filter' });
    expect(created.status).toBe(200);
    expect((await asDevice('DELETE', '/devices/edge1/modules/filter')).status).toBe(204);
    const denied = await asDevice('GET', '/devices/edge1');
    expect(denied).toMatchObject({ status: 401, body: { code: 'CLD_AUTH_SCOPE_DENIED', details: { route: 'GET /devices/{id}' } } });
  });

  it("answers IoT Hub's device-scope call over HTTPS as the edge hub makes it (as $edgeHub, derived key)", async () => {
    const hub = await systemModule('$edgeHub');
    const key = deriveModuleKey(deviceKey, '$edgeHub', hub.generationId, 'primary');
    const token = identityToken({ host: cloud.hostName, deviceId: 'edge1', moduleId: '$edgeHub', key, expirySec: Math.floor(Date.now() / 1000) + 600 });
    const url = `https://localhost:${cloud.cloud.ports.https}/devices/edge1/modules/%24edgeHub/devicesAndModulesInDeviceScope?api-version=2020-05-31-preview`;
    const body = JSON.stringify({ targetDeviceId: 'edge1', targetModuleId: '$edgeHub', pageSize: 1000, continuationToken: null });
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', ca: cloud.caPem, headers: { authorization: token, 'content-type': 'application/json' } }, (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(200);
    const page = ScopeResultDtoSchema.parse(JSON.parse(res.text));
    expect(page.devices.map((d) => d.deviceId)).toEqual(['leaf1']);
    expect(page.devices[0]?.authentication.symmetricKey.primaryKey).toMatch(/=$/);
    expect(page.modules.map((m) => m.moduleId)).toEqual(['$edgeAgent', '$edgeHub']);
    expect(page.continuationLink).toBeNull();
  });

  it('delivers a deployment applied with azure-iothub to $edgeAgent as a desired patch and in its twin', async () => {
    const registry = Registry.fromConnectionString(cloud.cloud.serviceConnectionString);
    // azure-iothub dials port 443 only; its REST client takes an https.Agent whose port wins (cloud-iothub-sdk.test.ts).
    (registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({
      http: { agent: new Agent({ keepAlive: true, port: cloud.cloud.ports.https, ca: cloud.caPem }) },
      ca: cloud.caPem,
    });
    const agentClient = await openModule(await systemModule('$edgeAgent'));
    const twin = await agentClient.getTwin();
    expect(twin.properties.desired['$version']).toBe(1);
    const patch = nextDesired(twin, 'modules', 10_000);
    const manifest = exampleManifest();
    const applied = await registry.applyConfigurationContentOnDevice('edge1', manifest);
    expect(applied.httpResponse.statusCode).toBe(204);
    const delta = await patch;
    const desired = (manifest.modulesContent['$edgeAgent'] as { 'properties.desired': Record<string, unknown> })['properties.desired'];
    expect(delta).toMatchObject({ ...desired, $version: 2 });
    const fresh = await twin.get();
    expect(fresh.properties.desired).toMatchObject({ ...desired, $version: 2 });

    // The module identity the deployment created has derived keys: the runtime can sign for it.
    const sensorClient = await openModule(await systemModule('sensor'));
    expect((await sensorClient.getTwin()).properties.desired).toMatchObject({ threshold: 42, $version: 2 });

    const bad = exampleManifest();
    bad.modulesContent['no.dots'] = { 'properties.desired': {} };
    await expect(registry.applyConfigurationContentOnDevice('edge1', bad)).rejects.toMatchObject({
      name: 'ArgumentError',
      message: expect.stringMatching(/^the deployment manifest for device 'edge1' has 1 fault: no\.dots: module id "no\.dots"/),
    });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { DeviceScopeDtoSchema, ModuleDtoSchema, ScopeResultDtoSchema } from '@verge/contracts';
import { deriveModuleKey } from '@verge/core';
import { openApiPath } from '../../../src/http/openapi.js';
import { aKey, createTestApi, TEST_HOST, type TestApi } from '../../helpers/fixtures.js';
import { exampleManifest } from '@verge/testkit/manifest';
import { identityToken } from '@verge/testkit/mqtt';

// docs/edge-cloud.md "Device-scoped REST" and "Deployments", over HTTP (fastify inject).

let t: TestApi;
afterEach(async () => t?.closeAll());

const API = '?api-version=2021-04-12';
const KEYS = { primary: aKey(1), secondary: aKey(2) };
const DEVICE_ROUTES =
  'PUT /devices/{id}/modules/{mid}, GET /devices/{id}/modules, DELETE /devices/{id}/modules/{mid}, GET /devices/{id}/scope, POST /devices/{id}/modules/{mid}/devicesAndModulesInDeviceScope';
const ALLOWED = `identity tokens are accepted only from an IoT Edge device (or its $edgeAgent and $edgeHub modules) on ${DEVICE_ROUTES} of that device`;

type Method = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';

const nowSec = () => Math.floor(t.clock.nowMs() / 1000);
const edgeToken = (deviceId = 'edge1', key = KEYS.primary, expirySec = nowSec() + 3600) => identityToken({ host: TEST_HOST, deviceId, key, expirySec });

async function call(method: Method, url: string, authorization: string, payload?: unknown) {
  return t.api.app.inject({
    method,
    url,
    headers: { authorization, ...(payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }) },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
}

async function setup(): Promise<TestApi> {
  t = await createTestApi();
  const sas = { type: 'sas' as const, symmetricKey: { primaryKey: KEYS.primary, secondaryKey: KEYS.secondary } };
  const edge = (await t.services.devices.putDevice('edge1', { deviceId: 'edge1', capabilities: { iotEdge: true }, authentication: sas }, undefined)).device;
  await t.services.devices.putDevice('edge2', { deviceId: 'edge2', capabilities: { iotEdge: true } }, undefined);
  await t.services.devices.putDevice('leaf', { deviceId: 'leaf', deviceScope: edge.deviceScope, authentication: sas }, undefined);
  return t;
}

describe('an edge device calling with its own SAS token', () => {
  it('lists, creates and deletes its module identities and reads its scope', async () => {
    await setup();
    const listed = await call('GET', `/devices/edge1/modules${API}`, edgeToken());
    expect(listed.statusCode).toBe(200);
    expect(listed.json().map((m: { moduleId: string }) => m.moduleId)).toEqual(['$edgeAgent', '$edgeHub']);
    const put = await call('PUT', `/devices/edge1/modules/sensor${API}`, edgeToken(), { moduleId: 'sensor', deviceId: 'edge1' });
    expect(put.statusCode).toBe(200);
    const sensor = ModuleDtoSchema.parse(put.json());
    expect(sensor).toMatchObject({ managedBy: 'iotEdge' });
    expect(sensor.authentication.symmetricKey).toEqual({
      primaryKey: deriveModuleKey(KEYS.primary, 'sensor', sensor.generationId, 'primary'),
      secondaryKey: deriveModuleKey(KEYS.primary, 'sensor', sensor.generationId, 'secondary'),
    });
    const scope = DeviceScopeDtoSchema.parse((await call('GET', `/devices/edge1/scope${API}`, edgeToken(), undefined)).json());
    expect(scope.devices.map((d) => d.deviceId)).toEqual(['leaf']);
    expect(scope.devices[0]?.authentication.symmetricKey).toEqual({ primaryKey: KEYS.primary, secondaryKey: KEYS.secondary });
    expect(scope.modules.map((m) => [m.moduleId, m.generationId])).toEqual(
      (await t.services.modules.listModules('edge1')).map((m) => [m.moduleId, m.generationId]),
    );
    // Signed with the secondary key works too.
    expect((await call('DELETE', `/devices/edge1/modules/sensor${API}`, edgeToken('edge1', KEYS.secondary))).statusCode).toBe(204);
    expect(await t.store.modules.get('edge1', 'sensor')).toBeUndefined();
  });

  it('refuses keys other than the derived ones and the system modules', async () => {
    await setup();
    const bad = await call('PUT', '/devices/edge1/modules/sensor', edgeToken(), { moduleId: 'sensor', authentication: { symmetricKey: { primaryKey: aKey(9) } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'CLD_AUTHENTICATION_INVALID', message: expect.stringMatching(/^authentication\.symmetricKey\.primaryKey: module 'sensor' of IoT Edge device 'edge1' must have the key derived/) });
    const del = await call('DELETE', '/devices/edge1/modules/$edgeAgent', edgeToken());
    expect(del.statusCode).toBe(400);
    expect(del.json()).toMatchObject({ code: 'CLD_MODULE_RESERVED', Message: expect.stringMatching(/^ErrorCode:ArgumentInvalid;module '\$edgeAgent' is a system module of IoT Edge device 'edge1'/) });
    const put = await call('PUT', '/devices/edge1/modules/$edgeHub', edgeToken(), { moduleId: '$edgeHub' });
    expect(put.json()).toMatchObject({ code: 'CLD_MODULE_RESERVED' });
  });

  it('is refused with CLD_AUTH_SCOPE_DENIED naming the route on every other route', async () => {
    await setup();
    // The service routes are those the OpenAPI document secures with a shared access policy only (not the anonymous
    // ones, not the device-scoped ones of DEVICE_ROUTES, not those devices call with their own token); every one of
    // them must refuse the edge device's token, the fleet routes included.
    const doc = (await t.api.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { security: unknown[] }>> };
    const serviceOnly = (label: string) => {
      const [method = '', path = ''] = label.split(' ');
      return JSON.stringify(doc.paths[path]?.[method.toLowerCase()]?.security) === JSON.stringify([{ sharedAccessSignature: [] }]);
    };
    const others = t.api.registered.filter((r) => serviceOnly(`${r.method} ${openApiPath(r.url)}`));
    const labels = others.map((r) => `${r.method} ${openApiPath(r.url)}`);
    for (const deviceScoped of DEVICE_ROUTES.split(', ')) expect(labels).not.toContain(deviceScoped);
    expect(labels).toEqual(
      expect.arrayContaining([
        'PUT /devices/{id}',
        'POST /devices',
        'PUT /configurations/{id}',
        'GET /configurations/{id}/metrics',
        'POST /configurations/plan',
        'GET /devices/{id}/effective',
        'POST /configurations/{id}/rollout/pause',
        'PUT /jobs/v2/{id}',
        'GET /jobs/v2/query',
      ]),
    );
    expect(others.length).toBeGreaterThanOrEqual(37); // 19 before the fleet routes, 18 fleet routes
    for (const r of others) {
      const url = r.url.replace(':id', 'edge1').replace(':mid', 'sensor');
      const label = `${r.method} ${openApiPath(r.url)}`;
      const res = await call(r.method as Method, `${url}${API}`, edgeToken(), r.method === 'GET' || r.method === 'DELETE' ? undefined : {});
      expect(res.statusCode, label).toBe(401);
      expect(res.json(), label).toMatchObject({
        code: 'CLD_AUTH_SCOPE_DENIED',
        message: `${label} needs a shared access policy token, not the token of device 'edge1'; ${ALLOWED}`,
        details: { route: label, deviceId: 'edge1' },
        Message: expect.stringMatching(/^ErrorCode:IotHubUnauthorizedAccess;/),
      });
    }
  });

  it.each([
    ['another device\'s routes', () => call('GET', '/devices/edge2/modules', edgeToken()), 'CLD_AUTH_SCOPE_DENIED', `the token of device 'edge1' cannot call GET /devices/{id}/modules for device 'edge2'; ${ALLOWED}`],
    ['a token of another module', () => call('GET', '/devices/edge1/modules', identityToken({ host: TEST_HOST, deviceId: 'edge1', moduleId: 'sensor', key: KEYS.primary, expirySec: nowSec() + 60 })), 'CLD_AUTH_SCOPE_DENIED', `GET /devices/{id}/modules refuses the token of module 'edge1/sensor'; ${ALLOWED}`],
    ['$edgeHub signing with the device key', () => call('GET', '/devices/edge1/scope', identityToken({ host: TEST_HOST, deviceId: 'edge1', moduleId: '$edgeHub', key: KEYS.primary, expirySec: nowSec() + 60 })), 'CLD_AUTH_SIGNATURE_INVALID', "the token's signature does not match a key of module 'edge1/$edgeHub' (wrong key, or the token was altered)"],
    ['a leaf device', () => call('GET', '/devices/leaf/modules', edgeToken('leaf')), 'CLD_AUTH_SCOPE_DENIED', `device 'leaf' is not an IoT Edge device; ${ALLOWED}`],
    ['a wrong key', () => call('GET', '/devices/edge1/scope', edgeToken('edge1', aKey(9))), 'CLD_AUTH_SIGNATURE_INVALID', "the token's signature does not match a key of device 'edge1' (wrong key, or the token was altered)"],
    ['an expired token', () => call('GET', '/devices/edge1/scope', edgeToken('edge1', KEYS.primary, nowSec() - 301)), 'CLD_AUTH_EXPIRED', 'the token expired at 2029-12-31T23:54:59.000Z (se=1893455699)'],
    ['another hub', () => call('GET', '/devices/edge1/scope', identityToken({ host: 'other.hub', deviceId: 'edge1', key: KEYS.primary, expirySec: nowSec() + 60 })), 'CLD_AUTH_AUDIENCE_INVALID', "the token's resource (sr) 'other.hub/devices/edge1' names host 'other.hub', not this hub 'hub.test'"],
    ['an unknown device', () => call('GET', '/devices/ghost/scope', edgeToken('ghost')), 'CLD_AUTH_DEVICE_INVALID', "device 'ghost' named by the token is not registered"],
  ] as const)('refuses %s with 401 naming the problem', async (_name, request, code, message) => {
    await setup();
    const res = await request();
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code, message });
  });

  it('refuses disabled and X.509 edge devices', async () => {
    await setup();
    await t.services.devices.putDevice('edge1', { deviceId: 'edge1', capabilities: { iotEdge: true }, status: 'disabled' }, '*');
    expect((await call('GET', '/devices/edge1/scope', edgeToken())).json()).toMatchObject({ code: 'CLD_AUTH_DEVICE_INVALID', message: "device 'edge1' is disabled" });
    await t.services.devices.putDevice('x509', { deviceId: 'x509', capabilities: { iotEdge: true }, authentication: { x509Thumbprint: { primaryThumbprint: 'AB'.repeat(20) } } }, undefined);
    expect((await call('GET', '/devices/x509/scope', edgeToken('x509'))).json()).toMatchObject({
      code: 'CLD_AUTH_DEVICE_INVALID',
      message: "device 'x509' authenticates with selfSigned certificates and has no key to sign a SAS token with",
    });
  });

  it('leaves service tokens as they were on the device-scoped routes', async () => {
    await setup();
    const scope = await call('GET', '/devices/edge1/scope', t.auth());
    expect(scope.statusCode).toBe(200);
    expect(scope.json()).toMatchObject({ deviceId: 'edge1', devices: [{ deviceId: 'leaf' }] });
    expect((await call('GET', '/devices/leaf/scope', t.auth())).json()).toMatchObject({ code: 'CLD_DEVICE_NOT_EDGE' });
    const own = await call('PUT', '/devices/edge1/modules/custom', t.auth(), { moduleId: 'custom', authentication: { symmetricKey: { primaryKey: aKey(7), secondaryKey: aKey(8) } } });
    expect(own.json().authentication.symmetricKey).toEqual({ primaryKey: aKey(7), secondaryKey: aKey(8) });
  });
});

describe('POST /devices/{id}/applyConfigurationContent', () => {
  it('answers 204 and writes the module twins', async () => {
    await setup();
    const res = await call('POST', `/devices/edge1/applyConfigurationContent${API}`, t.auth(), exampleManifest());
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await t.services.twins.getTwin({ deviceId: 'edge1', moduleId: 'sensor' })).properties.desired).toEqual({ threshold: 42, $version: 2 });
  });

  it('answers 400 MANIFEST_INVALID with every fault, 400 for a plain device, 404 for an unknown one', async () => {
    await setup();
    const bad = exampleManifest();
    bad.modulesContent['x.y'] = { 'properties.desired': {}, extra: 1 };
    const res = await call('POST', `/devices/edge1/applyConfigurationContent${API}`, t.auth(), bad);
    expect(res.statusCode).toBe(400);
    const message = `the deployment manifest for device 'edge1' has 2 faults: x.y: module id "x.y" may contain only letters, digits and - : + % _ # * ? ! ( ) , = @ ; '; x.y.extra: not allowed: a module block holds only "properties.desired"`;
    expect(res.json()).toMatchObject({
      code: 'MANIFEST_INVALID',
      message,
      details: {
        deviceId: 'edge1',
        faults: [
          { path: 'x.y', rule: 'module-id', message: expect.stringMatching(/^x\.y: module id/), statusCode: 400 },
          { path: 'x.y.extra', rule: 'unknown-key', message: 'x.y.extra: not allowed: a module block holds only "properties.desired"', statusCode: 400 },
        ],
      },
      Message: `ErrorCode:ArgumentInvalid;${message.replace(/;/g, ',')}`,
    });
    expect((await call('POST', '/devices/leaf/applyConfigurationContent', t.auth(), exampleManifest())).json()).toMatchObject({ code: 'CLD_DEVICE_NOT_EDGE' });
    expect((await call('POST', '/devices/ghost/applyConfigurationContent', t.auth(), exampleManifest())).statusCode).toBe(404);
  });

  it('needs RegistryWrite, not the device token', async () => {
    await setup();
    const res = await call('POST', '/devices/edge1/applyConfigurationContent', edgeToken(), exampleManifest());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'CLD_AUTH_SCOPE_DENIED', details: { route: 'POST /devices/{id}/applyConfigurationContent' } });
  });
});

describe("POST /devices/{id}/modules/{mid}/devicesAndModulesInDeviceScope (IoT Hub's scope API, as edgeHub calls it)", () => {
  const SCOPE_URL = '/devices/edge1/modules/%24edgeHub/devicesAndModulesInDeviceScope?api-version=2020-05-31-preview';

  async function edgeHubToken(): Promise<string> {
    const hub = await t.store.modules.get('edge1', '$edgeHub');
    if (hub === undefined) throw new Error('no $edgeHub');
    // The edge hub signs with its own key, derived from the device key (workload API sign).
    return identityToken({ host: TEST_HOST, deviceId: 'edge1', moduleId: '$edgeHub', key: deriveModuleKey(KEYS.primary, '$edgeHub', hub.generationId, 'primary'), expirySec: nowSec() + 60 });
  }

  it('pages the children as Devices and the modules as Modules, for $edgeHub\'s own token', async () => {
    await setup();
    const edge = await t.services.devices.getDevice('edge1');
    await t.services.devices.putDevice('a-leaf', { deviceId: 'a-leaf', deviceScope: edge.deviceScope, status: 'disabled' }, undefined);
    const first = await call('POST', SCOPE_URL, await edgeHubToken(), { targetDeviceId: 'edge1', targetModuleId: '$edgeHub', pageSize: 1, continuationToken: null });
    expect(first.statusCode).toBe(200);
    const page1 = ScopeResultDtoSchema.parse(first.json());
    expect(page1.devices).toEqual([await t.services.devices.getDevice('a-leaf')]);
    expect(page1.modules).toEqual(await t.services.modules.listModules('edge1'));
    expect(page1.continuationLink).toEqual(expect.any(String));
    const second = ScopeResultDtoSchema.parse((await call('POST', SCOPE_URL, await edgeHubToken(), { targetDeviceId: 'edge1', pageSize: 1, continuationToken: page1.continuationLink })).json());
    expect(second).toEqual({ devices: [await t.services.devices.getDevice('leaf')], modules: [], continuationLink: null });
    expect(second.devices[0]?.authentication.symmetricKey).toEqual({ primaryKey: KEYS.primary, secondaryKey: KEYS.secondary });
  });

  it('answers one device of the scope as target, nothing for others, and refuses bad continuations and modules', async () => {
    await setup();
    const one = await call('POST', SCOPE_URL, edgeToken(), { targetDeviceId: 'leaf' });
    expect(one.json()).toEqual({ devices: [await t.services.devices.getDevice('leaf')], modules: [], continuationLink: null });
    expect((await call('POST', SCOPE_URL, edgeToken(), { targetDeviceId: 'edge2' })).json()).toEqual({ devices: [], modules: [], continuationLink: null });
    // No body at all: the whole scope, first page.
    expect(ScopeResultDtoSchema.parse((await call('POST', SCOPE_URL, await edgeHubToken())).json()).devices.map((d) => d.deviceId)).toEqual(['leaf']);
    const bad = await call('POST', SCOPE_URL, await edgeHubToken(), { continuationToken: 'nope' });
    expect(bad.json()).toMatchObject({
      code: 'CLD_SCOPE_CONTINUATION_INVALID',
      message: 'continuationToken: not a continuationLink of this cloud (send back the continuationLink of the previous page)',
    });
    expect((await call('POST', SCOPE_URL, await edgeHubToken(), { pageSize: 0 })).json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await call('POST', '/devices/edge1/modules/ghost/devicesAndModulesInDeviceScope', t.auth(), {})).json()).toMatchObject({ code: 'CLD_MODULE_NOT_FOUND' });
    expect((await call('POST', '/devices/leaf/modules/x/devicesAndModulesInDeviceScope', t.auth(), {})).json()).toMatchObject({ code: 'CLD_DEVICE_NOT_EDGE' });
  });
});

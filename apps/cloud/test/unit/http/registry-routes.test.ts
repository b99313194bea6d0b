import { afterEach, describe, expect, it } from 'vitest';
import { DeviceDtoSchema, ModuleDtoSchema, TwinDtoSchema } from '@verge/contracts';
import { createTestApi, type TestApi } from '../../helpers/fixtures.js';

let t: TestApi;
afterEach(async () => t?.closeAll());

const API = '?api-version=2021-04-12';

async function call(method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return t.api.app.inject({
    method,
    url,
    headers: { authorization: t.auth(), ...(payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
}

describe('devices over HTTP', () => {
  it('creates (no If-Match), reads, replaces (If-Match: "*" quoted, as azure-iothub sends it), lists and deletes', async () => {
    t = await createTestApi();
    const created = await call('PUT', `/devices/d1${API}`, { deviceId: 'd1', authentication: { type: 'sas', symmetricKey: { primaryKey: '', secondaryKey: '' } } });
    expect(created.statusCode).toBe(200);
    expect(created.headers['content-type']).toMatch(/^application\/json/);
    const device = DeviceDtoSchema.parse(created.json());
    expect((await call('GET', `/devices/d1${API}`)).json()).toEqual(device);
    const replaced = await call('PUT', `/devices/d1${API}`, { ...device, status: 'disabled' }, { 'if-match': '"*"' });
    expect(replaced.json()).toMatchObject({ status: 'disabled', etag: expect.not.stringMatching(device.etag) });
    await call('PUT', '/devices/d0', { deviceId: 'd0' });
    expect((await call('GET', `/devices${API}`)).json().map((d: { deviceId: string }) => d.deviceId)).toEqual(['d0', 'd1']);
    expect((await call('GET', '/devices?top=1')).json()).toHaveLength(1);
    const del = await call('DELETE', `/devices/d1${API}`, undefined, { 'if-match': '"*"' });
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
  });

  it('answers IoT Hub error shapes: 409 exists, 404 DeviceNotFound, 412 stale etag, 400 invalid', async () => {
    t = await createTestApi();
    const d = (await call('PUT', '/devices/d1', { deviceId: 'd1' })).json();
    const dup = await call('PUT', '/devices/d1', { deviceId: 'd1' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toEqual({
      code: 'CLD_DEVICE_ALREADY_EXISTS',
      message: "device 'd1' already exists, send If-Match: * (or its etag) to replace it".replace(', send', '; send'),
      details: { deviceId: 'd1' },
      Message: "ErrorCode:DeviceAlreadyExists;device 'd1' already exists, send If-Match: * (or its etag) to replace it",
      ExceptionMessage: expect.stringMatching(/^Tracking ID:.+-TimeStamp:2030-01-01T00:00:00.000Z$/),
    });
    const missing = await call('GET', '/devices/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'CLD_DEVICE_NOT_FOUND', Message: "ErrorCode:DeviceNotFound;device 'nope' is not registered" });
    const stale = await call('PUT', '/devices/d1', { deviceId: 'd1' }, { 'if-match': '"AAAA"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'CLD_ETAG_MISMATCH', message: `If-Match etag "AAAA" does not match the current etag "${d.etag}" of device 'd1'` });
    const ok = await call('PUT', '/devices/d1', { deviceId: 'd1' }, { 'if-match': `"${d.etag}"` });
    expect(ok.statusCode).toBe(200);
    const bad = await call('PUT', '/devices/d2', { deviceId: 'd2', status: 'paused' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'request body is invalid: status: Invalid option: expected one of "enabled"|"disabled"',
      details: { issues: [{ path: 'status', message: 'Invalid option: expected one of "enabled"|"disabled"', code: 'invalid_value' }] },
      Message: expect.stringMatching(/^ErrorCode:ArgumentInvalid;/),
    });
  });

  it('decodes URL-encoded ids with special characters', async () => {
    t = await createTestApi();
    const id = "dev:1.a+b%c_d#e*f?g!(h),i=j@k;l$m'n";
    const res = await call('PUT', `/devices/${encodeURIComponent(id)}`, { deviceId: id });
    expect(res.statusCode).toBe(200);
    expect((await call('GET', `/devices/${encodeURIComponent(id)}`)).json().deviceId).toBe(id);
  });

  it('refuses bodies that are not JSON and unknown routes', async () => {
    t = await createTestApi();
    const res = await t.api.app.inject({ method: 'PUT', url: '/devices/d1', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: '{"deviceId":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('HTTP_BODY_MALFORMED');
    const unknown = await call('GET', '/jobs');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'HTTP_ROUTE_NOT_FOUND', message: 'no route GET /jobs' });
  });
});

describe('modules over HTTP', () => {
  it('creates, reads, lists, replaces with the etag and deletes modules', async () => {
    t = await createTestApi();
    await call('PUT', '/devices/edge', { deviceId: 'edge', capabilities: { iotEdge: true } });
    const created = await call('PUT', `/devices/edge/modules/${encodeURIComponent('m$1')}${API}`, { deviceId: 'edge', moduleId: 'm$1', managedBy: 'IotEdge' });
    expect(created.statusCode).toBe(200);
    const m = ModuleDtoSchema.parse(created.json());
    expect((await call('GET', '/devices/edge/modules/m$1')).json()).toEqual(m);
    // An edge device has its system modules from the start (edge-routes.test.ts).
    const listed = (await call('GET', '/devices/edge/modules')).json();
    expect(listed.map((x: { moduleId: string }) => x.moduleId)).toEqual(['$edgeAgent', '$edgeHub', 'm$1']);
    expect(listed[2]).toEqual(m);
    expect((await call('PUT', '/devices/edge/modules/m$1', { moduleId: 'm$1' })).statusCode).toBe(409);
    expect((await call('PUT', '/devices/edge/modules/m$1', { moduleId: 'm$1', managedBy: 'x' }, { 'if-match': `"${m.etag}"` })).json().managedBy).toBe('x');
    expect((await call('DELETE', '/devices/edge/modules/m$1', undefined, { 'if-match': '"*"' })).statusCode).toBe(204);
    const gone = await call('GET', '/devices/edge/modules/m$1');
    expect(gone.json()).toMatchObject({ code: 'CLD_MODULE_NOT_FOUND', Message: "ErrorCode:ModuleNotFound;module 'm$1' is not registered on device 'edge'" });
  });
});

describe('twins over HTTP', () => {
  it('gets, patches (If-Match etag) and replaces device and module twins', async () => {
    t = await createTestApi();
    await call('PUT', '/devices/d1', { deviceId: 'd1' });
    await call('PUT', '/devices/d1/modules/m1', { moduleId: 'm1' });
    const twin = TwinDtoSchema.parse((await call('GET', `/twins/d1${API}`)).json());
    expect(twin).toMatchObject({ deviceId: 'd1', version: 1, etag: 'AAAAAAAAAAE=', status: 'enabled', authenticationType: 'sas', capabilities: { iotEdge: false } });
    const patched = await call('PATCH', `/twins/d1${API}`, { tags: { site: 'lab' }, properties: { desired: { interval: 5 } } }, { 'if-match': `"${twin.etag}"` });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ version: 2, tags: { site: 'lab' }, properties: { desired: { interval: 5, $version: 2 } } });
    const stale = await call('PATCH', '/twins/d1', { tags: { x: 1 } }, { 'if-match': `"${twin.etag}"` });
    expect(stale.statusCode).toBe(412);
    const replaced = await call('PUT', '/twins/d1', { tags: { a: 1 }, properties: { desired: {} } });
    expect(replaced.json()).toMatchObject({ version: 3, tags: { a: 1 }, properties: { desired: { $version: 3 } } });
    const moduleTwin = await call('PATCH', '/twins/d1/modules/m1', { properties: { desired: { x: 1 } } });
    expect(moduleTwin.json()).toMatchObject({ deviceId: 'd1', moduleId: 'm1', properties: { desired: { x: 1, $version: 2 } } });
    expect(TwinDtoSchema.safeParse(moduleTwin.json()).success).toBe(true);
    expect((await call('GET', '/twins/d1/modules/m1')).json().properties.desired.x).toBe(1);
  });

  it('refuses oversized (413) and malformed (400) patches naming the twin rule', async () => {
    t = await createTestApi();
    await call('PUT', '/devices/d1', { deviceId: 'd1' });
    const big = await call('PATCH', '/twins/d1', { tags: { a: 'x'.repeat(4000), b: 'x'.repeat(4000), c: 'x'.repeat(4000) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'TWIN_TOO_LARGE', message: 'tags: size 12003 bytes exceeds the limit of 8192 bytes' });
    const reported = await call('PATCH', '/twins/d1', { properties: { reported: { a: 1 } } });
    expect(reported.statusCode).toBe(400);
    expect(reported.json().code).toBe('TWIN_PATCH_INVALID');
    const notObject = await call('PATCH', '/twins/d1', { tags: 'x' });
    expect(notObject.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/^request body is invalid: tags: /) });
  });
});

describe('paths as azure-iothub builds them', () => {
  it('serves GET /devices/ (Registry.list) like GET /devices', async () => {
    t = await createTestApi();
    await call('PUT', '/devices/d1', { deviceId: 'd1' });
    const res = await call('GET', '/devices/?api-version=2021-04-12');
    expect(res.statusCode).toBe(200);
    expect(res.json().map((d: { deviceId: string }) => d.deviceId)).toEqual(['d1']);
  });
});

describe('requests as the Azure IoT Java service SDK sends them', () => {
  // Its DeviceOperations.request sets `Content-Type: application/json; charset=utf-8` on every request, so a
  // RegistryManager.removeDevice/removeModule (DELETE) or JobClient.cancelJob (POST) arrives with no body behind it.
  const jsonTypeNoBody = (method: 'DELETE' | 'POST', url: string) =>
    t.api.app.inject({ method, url, headers: { authorization: t.auth(), 'content-type': 'application/json; charset=utf-8', 'content-length': '0' } });

  it('takes a body-less DELETE or POST that says Content-Type: application/json as having no body', async () => {
    t = await createTestApi();
    await call('PUT', '/devices/d1', { deviceId: 'd1' });
    await call('PUT', '/devices/d1/modules/m1', { deviceId: 'd1', moduleId: 'm1' });
    expect((await jsonTypeNoBody('DELETE', `/devices/d1/modules/m1${API}`)).statusCode).toBe(204);
    expect((await jsonTypeNoBody('DELETE', `/devices/d1${API}`)).statusCode).toBe(204);
    expect((await call('GET', '/devices/d1')).statusCode).toBe(404);
    const job = await call('PUT', '/jobs/v2/j1', { type: 'scheduleUpdateTwin', queryCondition: "deviceId = 'x'", startTime: '2031-01-01T00:00:00Z', updateTwin: { tags: { a: 1 } } });
    expect(job.statusCode).toBe(200);
    const cancelled = await jsonTypeNoBody('POST', `/jobs/v2/j1/cancel${API}`);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ jobId: 'j1', status: 'cancelled' });
  });

  it('still refuses an empty JSON body on a route that needs one, naming the body, and a prototype-poisoning body', async () => {
    t = await createTestApi();
    const res = await t.api.app.inject({ method: 'PUT', url: '/devices/d1', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ message: expect.stringMatching(/body/i) });
    const poisoned = await t.api.app.inject({ method: 'PATCH', url: '/twins/d1', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: '{"tags":{"__proto__":{"x":1}}}' });
    expect(poisoned.statusCode).toBe(400);
    expect(poisoned.json().code).toBe('HTTP_BODY_MALFORMED');
  });
});

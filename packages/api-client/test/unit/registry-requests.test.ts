import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '@verge/api-client';
import { verifySasToken } from '@verge/core';
import { aDevice, aModule, aTwin } from '@verge/testkit';
import { serviceConnectionString, serviceKey } from './helpers/fixtures.js';
import { sendJson, startRecordingServer, type RecordedRequest, type RecordingServer } from './helpers/recording-server.js';

// Each operation must send exactly what the azure-iothub SDK sends (node_modules/azure-iothub/dist/registry.js,
// device_method.js): path with encodeURIComponent ids, ?api-version=2021-04-12, Content-Type, If-Match, body.

let server: RecordingServer;
let client: ApiClient;
const nowMs = 1_700_000_000_000;

beforeEach(async () => {
  server = await startRecordingServer();
  client = createApiClient({ connectionString: serviceConnectionString, baseUrl: server.baseUrl, nowMs: () => nowMs });
});
afterEach(() => server.close());

function only(): RecordedRequest {
  expect(server.requests).toHaveLength(1);
  return server.requests[0] as RecordedRequest;
}

function jsonBody(req: RecordedRequest): unknown {
  expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(req.body.toString('utf8'));
}

describe('every request', () => {
  it('carries api-version, a Request-Id and a service SAS token valid for one hour', async () => {
    server.respond((_req, res) => sendJson(res, 200, aDevice()));
    await client.devices.get('dev1');
    const req = only();
    expect(req.query.get('api-version')).toBe('2021-04-12');
    expect(req.headers['request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const token = req.headers['authorization'] ?? '';
    expect(token).toMatch(/^SharedAccessSignature sr=hub\.example&sig=[^&]+&skn=owner&se=1700003600$/);
    const verified = verifySasToken(token, { keys: [serviceKey], audiences: ['hub.example'], nowSec: nowMs / 1000 });
    expect(verified.ok).toBe(true);
  });
});

describe('devices', () => {
  it('create: PUT /devices/{id} without If-Match, SAS with empty keys when none given', async () => {
    server.respond((_req, res) => sendJson(res, 200, aDevice({ deviceId: 'a b/c' })));
    const device = await client.devices.create({ deviceId: 'a b/c', capabilities: { iotEdge: true } });
    const req = only();
    expect([req.method, req.path]).toEqual(['PUT', '/devices/a%20b%2Fc']);
    expect(req.headers['if-match']).toBeUndefined();
    expect(jsonBody(req)).toEqual({ deviceId: 'a b/c', capabilities: { iotEdge: true }, authentication: { type: 'sas', symmetricKey: { primaryKey: '', secondaryKey: '' } } });
    expect(device.deviceId).toBe('a b/c');
  });

  it('create: thumbprints without a type are sent as selfSigned', async () => {
    server.respond((_req, res) => sendJson(res, 200, aDevice()));
    await client.devices.create({ deviceId: 'x', authentication: { x509Thumbprint: { primaryThumbprint: 'AB', secondaryThumbprint: null } } });
    expect(jsonBody(only())).toMatchObject({ authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: 'AB' } } });
  });

  it.each([
    [undefined, '"*"'],
    ['MQ==', '"MQ=="'],
    ['"MQ=="', '"MQ=="'],
  ])('update with etag %s sends If-Match %s', async (etag, ifMatch) => {
    server.respond((_req, res) => sendJson(res, 200, aDevice()));
    await client.devices.update({ deviceId: 'dev1', status: 'disabled', ...(etag === undefined ? {} : { etag }) });
    const req = only();
    expect([req.method, req.path, req.headers['if-match']]).toEqual(['PUT', '/devices/dev1', ifMatch]);
  });

  it('get, list (with top) and delete', async () => {
    server.respond((req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      sendJson(res, 200, req.path === '/devices' ? [aDevice(), aDevice({ deviceId: 'dev2' })] : aDevice());
    });
    await client.devices.get('$x');
    const list = await client.devices.list({ top: 5 });
    await client.devices.delete('dev2');
    await client.devices.delete('dev3', { etag: 'Ng==' });
    const seen = server.requests.map((r) => [r.method, r.path, r.query.get('top'), r.headers['if-match'] ?? null]);
    expect(seen).toEqual([
      ['GET', '/devices/%24x', null, null],
      ['GET', '/devices', '5', null],
      ['DELETE', '/devices/dev2', null, '"*"'],
      ['DELETE', '/devices/dev3', null, '"Ng=="'],
    ]);
    expect(list.map((d) => d.deviceId)).toEqual(['dev1', 'dev2']);
  });
});

describe('modules', () => {
  it('create, update, get, list and delete', async () => {
    server.respond((req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      sendJson(res, 200, req.path.endsWith('/modules') ? [aModule()] : aModule());
    });
    await client.modules.create({ deviceId: 'edge 1', moduleId: '$edgeAgent' });
    await client.modules.update({ deviceId: 'dev1', moduleId: 'mod1', etag: 'Mg==' });
    await client.modules.get('dev1', 'mod1');
    await client.modules.list('dev1');
    await client.modules.delete('dev1', 'mod1');
    const seen = server.requests.map((r) => [r.method, r.path, r.headers['if-match'] ?? null]);
    expect(seen).toEqual([
      ['PUT', '/devices/edge%201/modules/%24edgeAgent', null],
      ['PUT', '/devices/dev1/modules/mod1', '"Mg=="'],
      ['GET', '/devices/dev1/modules/mod1', null],
      ['GET', '/devices/dev1/modules', null],
      ['DELETE', '/devices/dev1/modules/mod1', '"*"'],
    ]);
    expect(JSON.parse(server.requests[0]?.body.toString() ?? '')).toEqual({
      deviceId: 'edge 1',
      moduleId: '$edgeAgent',
      authentication: { type: 'sas', symmetricKey: { primaryKey: '', secondaryKey: '' } },
    });
  });
});

describe('twins', () => {
  it.each([
    ['device twin', { deviceId: 'dev1' }, '/twins/dev1'],
    ['module twin', { deviceId: 'dev1', moduleId: '$edgeHub' }, '/twins/dev1/modules/%24edgeHub'],
  ])('%s: GET, PATCH with If-Match, PUT', async (_name, ref, path) => {
    server.respond((_req, res) => sendJson(res, 200, aTwin()));
    await client.twins.get(ref);
    await client.twins.update(ref, { tags: { site: null }, properties: { desired: { fan: true } } });
    await client.twins.replace(ref, { tags: {}, etag: 'AAAAAAAAAAE=' });
    const seen = server.requests.map((r) => [r.method, r.path, r.headers['if-match'] ?? null]);
    expect(seen).toEqual([
      ['GET', path, null],
      ['PATCH', path, '"*"'],
      ['PUT', path, '"AAAAAAAAAAE="'],
    ]);
    expect(jsonBody(server.requests[1] as RecordedRequest)).toEqual({ tags: { site: null }, properties: { desired: { fan: true } } });
    // The etag travels in If-Match only, as azure-iothub's updateTwin sends it.
    expect(jsonBody(server.requests[2] as RecordedRequest)).toEqual({ tags: {} });
  });

  it('an explicit etag option wins over the body etag', async () => {
    server.respond((_req, res) => sendJson(res, 200, aTwin()));
    await client.twins.update({ deviceId: 'dev1' }, { tags: {}, etag: 'old' }, { etag: 'new' });
    expect(only().headers['if-match']).toBe('"new"');
  });
});

describe('direct methods', () => {
  it.each([
    ['device', { deviceId: 'dev1' }, '/twins/dev1/methods'],
    ['module', { deviceId: 'dev1', moduleId: 'm 1' }, '/twins/dev1/modules/m%201/methods'],
  ])('%s: POST the CloudToDeviceMethod body and returns the device answer', async (_name, ref, path) => {
    server.respond((_req, res) => sendJson(res, 200, { status: 201, payload: { ok: 1 } }));
    const result = await client.invokeMethod(ref, { methodName: 'reboot', payload: { delay: 5 }, responseTimeoutInSeconds: 10 });
    const req = only();
    expect([req.method, req.path]).toEqual(['POST', path]);
    expect(jsonBody(req)).toEqual({ methodName: 'reboot', payload: { delay: 5 }, responseTimeoutInSeconds: 10, connectTimeoutInSeconds: 0 });
    expect(result).toEqual({ status: 201, payload: { ok: 1 } });
  });

  it('defaults: payload null, 30 s response timeout (azure-iothub DeviceMethod defaults)', async () => {
    server.respond((_req, res) => sendJson(res, 200, { status: 200, payload: null }));
    await client.invokeMethod({ deviceId: 'd' }, { methodName: 'm' });
    expect(jsonBody(only())).toEqual({ methodName: 'm', payload: null, responseTimeoutInSeconds: 30, connectTimeoutInSeconds: 0 });
  });
});

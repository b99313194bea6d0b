import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '@verge/api-client';
import { isVergeError } from '@verge/contracts';
import { aTwin } from '@verge/testkit';
import { serviceConnectionString } from './helpers/fixtures.js';
import { sendJson, startRecordingServer, type RecordedRequest, type RecordingServer } from './helpers/recording-server.js';

let server: RecordingServer;
let client: ApiClient;

beforeEach(async () => {
  server = await startRecordingServer();
  client = createApiClient({ connectionString: serviceConnectionString, baseUrl: server.baseUrl });
});
afterEach(() => server.close());

describe('query', () => {
  // Three pages: tokens t1, t2, then none (azure-iothub Query.next reads x-ms-continuation from the response).
  const pages: Record<string, { items: unknown[]; next?: string }> = {
    '': { items: [aTwin({ deviceId: 'a' }), aTwin({ deviceId: 'b' })], next: 't1' },
    t1: { items: [aTwin({ deviceId: 'c' })], next: 't2' },
    t2: { items: [] },
  };
  beforeEach(() =>
    server.respond((req, res) => {
      const page = pages[String(req.headers['x-ms-continuation'] ?? '')];
      if (page === undefined) return sendJson(res, 400, { code: 'QUERY_CONTINUATION_INVALID', message: 'bad token' });
      sendJson(res, 200, page.items, page.next === undefined ? {} : { 'x-ms-continuation': page.next });
    }),
  );

  it('POSTs {query} to /devices/query with page size and continuation headers', async () => {
    const page = await client.queryPage("SELECT * FROM devices WHERE tags.site = 'oslo'", undefined, { pageSize: 2 });
    const req = server.requests[0] as RecordedRequest;
    expect([req.method, req.path, req.headers['x-ms-max-item-count'], req.headers['x-ms-continuation']]).toEqual(['POST', '/devices/query', '2', undefined]);
    expect(JSON.parse(req.body.toString())).toEqual({ query: "SELECT * FROM devices WHERE tags.site = 'oslo'" });
    expect(page.continuationToken).toBe('t1');
    const next = await client.queryPage('SELECT * FROM devices', 't1');
    expect(server.requests[1]?.headers['x-ms-continuation']).toBe('t1');
    expect(next.items).toHaveLength(1);
  });

  it('iterates across pages and stops fetching when the consumer stops', async () => {
    const ids: string[] = [];
    for await (const twin of client.query<{ deviceId: string }>('SELECT * FROM devices')) ids.push(twin.deviceId);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(server.requests.map((r) => r.headers['x-ms-continuation'] ?? null)).toEqual([null, 't1', 't2']);

    server.requests.length = 0;
    for await (const twin of client.query<{ deviceId: string }>('SELECT * FROM devices')) if (twin.deviceId === 'a') break;
    expect(server.requests).toHaveLength(1);
  });
});

describe('cloud-to-device messages', () => {
  const accepted = { deviceId: 'dev1', messageId: 'm1', enqueuedTime: '2024-01-01T00:00:00.000Z', expiryTimeUtc: '2024-01-02T00:00:00.000Z', pendingCount: 1 };

  it('POSTs the payload bytes with IoT Hub message headers', async () => {
    server.respond((_req, res) => sendJson(res, 200, accepted));
    const result = await client.sendC2d('dev 1', {
      payload: 'héllo',
      properties: { Alert: 'on', 'x-y': 'a=b&c' },
      messageId: 'm1',
      correlationId: 'c1',
      userId: 'u1',
      contentType: 'text/plain',
      contentEncoding: 'utf-8',
      expiryTimeUtc: '2024-01-02T00:00:00.000Z',
    });
    const req = server.requests[0] as RecordedRequest;
    expect([req.method, req.path]).toEqual(['POST', '/devices/dev%201/messages/deviceBound']);
    expect(req.body.toString('utf8')).toBe('héllo');
    expect(req.headers['content-type']).toBe('application/octet-stream');
    expect(req.headers).toMatchObject({
      'iothub-messageid': 'm1',
      'iothub-correlationid': 'c1',
      'iothub-userid': 'u1',
      'iothub-contenttype': 'text/plain',
      'iothub-contentencoding': 'utf-8',
      'iothub-expiry': '2024-01-02T00:00:00.000Z',
      'iothub-app-alert': 'on',
      'iothub-app-x-y': 'a=b&c',
    });
    expect(result).toEqual(accepted);
  });

  it('sends binary payloads untouched and no optional headers when absent', async () => {
    server.respond((_req, res) => sendJson(res, 200, accepted));
    await client.sendC2d('dev1', { payload: new Uint8Array([0, 255, 10]) });
    const req = server.requests[0] as RecordedRequest;
    expect([...req.body]).toEqual([0, 255, 10]);
    expect(Object.keys(req.headers).filter((h) => h.startsWith('iothub-'))).toEqual([]);
  });

  it.each([
    [{ properties: { 'bad key': 'v' } }, 'property name "bad key" is not an HTTP header token'],
    [{ properties: { k: 'line\nbreak' } }, 'property "k" holds characters an HTTP header cannot carry'],
    [{ properties: { k: 'ünïcode' } }, 'property "k" holds characters an HTTP header cannot carry'],
    [{ properties: { Key: '1', key: '2' } }, 'differ only in case'],
    [{ messageId: 'a\rb' }, 'messageId holds characters'],
  ])('refuses %j before sending', async (fields, message) => {
    const error = await client.sendC2d('dev1', { payload: 'x', ...fields }).catch((e: unknown) => e);
    expect(isVergeError(error, 'CLIENT_MESSAGE_INVALID')).toBe(true);
    expect((error as Error).message).toContain(message);
    expect(server.requests).toHaveLength(0);
  });
});

describe('recent messages and health', () => {
  it('GET /messages with filters, decoding base64 bodies', async () => {
    const dto = { sequenceNumber: 7, deviceId: 'dev1', moduleId: 'm', enqueuedTime: '2024-01-01T00:00:00.000Z', systemProperties: { messageId: 'x' }, properties: { a: '1' }, body: 'aGk=' };
    server.respond((_req, res) => sendJson(res, 200, [dto]));
    const messages = await client.recentMessages({ deviceId: 'dev1', moduleId: 'm', limit: 10 });
    const req = server.requests[0] as RecordedRequest;
    expect([req.method, req.path, req.query.get('deviceId'), req.query.get('moduleId'), req.query.get('limit')]).toEqual(['GET', '/messages', 'dev1', 'm', '10']);
    expect(messages).toEqual([{ ...dto, body: new Uint8Array([104, 105]) }]);
  });

  it.each([
    [200, 'ok', true],
    [503, 'starting', false],
  ] as const)('GET /healthz without credentials: %i → ok=%s', async (status, state, ok) => {
    const health = { status: state, listeners: { https: { up: ok, port: 8443 } } };
    server.respond((_req, res) => sendJson(res, status, health));
    const report = await client.healthz();
    expect(report).toEqual({ ok, status, health });
    const req = server.requests[0] as RecordedRequest;
    expect([req.method, req.path, req.headers['authorization']]).toEqual(['GET', '/healthz', undefined]);
  });
});

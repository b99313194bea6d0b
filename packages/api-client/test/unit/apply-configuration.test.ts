import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient, isApiError, type ApiClient } from '@verge/api-client';
import { serviceConnectionString } from './helpers/fixtures.js';
import { sendJson, startRecordingServer, type RecordedRequest, type RecordingServer } from './helpers/recording-server.js';

// `applyConfigurationContent` must send what azure-iothub's Registry.applyConfigurationContentOnDevice sends
// (node_modules/azure-iothub/dist/registry.js): POST /devices/{encodeURIComponent(id)}/applyConfigurationContent
// ?api-version=2021-04-12, Content-Type application/json; charset=utf-8, the content as the body.

let server: RecordingServer;
let client: ApiClient;

beforeEach(async () => {
  server = await startRecordingServer();
  client = createApiClient({ connectionString: serviceConnectionString, baseUrl: server.baseUrl, nowMs: () => 1_700_000_000_000 });
});
afterEach(() => server.close());

describe('applyConfigurationContent', () => {
  it('POSTs the content as JSON and resolves on 204', async () => {
    server.respond((_req, res) => void res.writeHead(204).end());
    const content = { modulesContent: { $edgeAgent: { 'properties.desired': { schemaVersion: '1.1' } } } };
    await expect(client.applyConfigurationContent('edge 1/a', content)).resolves.toBeUndefined();
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0] as RecordedRequest;
    expect([req.method, req.path, req.query.get('api-version')]).toEqual(['POST', '/devices/edge%201%2Fa/applyConfigurationContent', '2021-04-12']);
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(req.body.toString('utf8'))).toEqual(content);
  });

  it('rejects with the API error and its faults', async () => {
    const faults = [{ path: 'x.y', rule: 'module-id', message: 'x.y: bad', statusCode: 400 }];
    server.respond((_req, res) => sendJson(res, 400, { code: 'MANIFEST_INVALID', message: "the deployment manifest for device 'e' has 1 fault: x.y: bad", details: { faults } }));
    const err: unknown = await client.applyConfigurationContent('e', {}).catch((e: unknown) => e);
    expect(isApiError(err)).toBe(true);
    expect(err).toMatchObject({ status: 400, code: 'MANIFEST_INVALID', details: { faults } });
  });
});

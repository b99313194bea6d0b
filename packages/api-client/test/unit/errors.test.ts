import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, createApiClient, errorFromResponse, isApiError, type ApiClient } from '@verge/api-client';
import { serviceConnectionString } from './helpers/fixtures.js';
import { sendJson, startRecordingServer, type RecordingServer } from './helpers/recording-server.js';

describe('errorFromResponse', () => {
  it.each([
    ['Verge body', 404, '{"code":"CLD_DEVICE_NOT_FOUND","message":"device \\"x\\" is not registered","details":{"deviceId":"x"}}', 'CLD_DEVICE_NOT_FOUND', 'device "x" is not registered'],
    ['Verge body with IoT Hub Message', 409, '{"code":"CLD_DEVICE_EXISTS","message":"exists","Message":"ErrorCode:DeviceAlreadyExists;exists","ExceptionMessage":""}', 'CLD_DEVICE_EXISTS', 'exists'],
    ['IoT Hub body only', 404, '{"Message":"ErrorCode:DeviceNotFound;Device abc not registered","ExceptionMessage":"t"}', 'DeviceNotFound', 'Device abc not registered'],
    ['errorCode field', 400, '{"errorCode":"BadThing","message":"no"}', 'BadThing', 'no'],
    ['not JSON', 502, '<html>bad gateway</html>', 'CLIENT_HTTP_STATUS', 'HTTP 502 Bad Gateway: <html>bad gateway</html>'],
    ['empty', 500, '', 'CLIENT_HTTP_STATUS', 'HTTP 500 Bad Gateway'],
    ['JSON without code', 418, '{"message":"teapot"}', 'CLIENT_HTTP_STATUS', 'HTTP 418 Bad Gateway: {"message":"teapot"}'],
  ])('%s', (_name, status, body, code, message) => {
    const error = errorFromResponse(status, 'Bad Gateway', body);
    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message]).toEqual([status, code, message]);
  });

  it('keeps details of Verge bodies', () => {
    expect(errorFromResponse(400, '', '{"code":"VALIDATION_FAILED","message":"m","details":{"issues":[]}}').details).toEqual({ issues: [] });
  });
});

describe('client failures', () => {
  let server: RecordingServer;
  let client: ApiClient;
  beforeEach(async () => {
    server = await startRecordingServer();
    client = createApiClient({ connectionString: serviceConnectionString, baseUrl: server.baseUrl });
  });
  afterEach(() => server.close());

  it('an error status becomes ApiError with the server code and message', async () => {
    server.respond((_req, res) => sendJson(res, 404, { code: 'CLD_DEVICE_NOT_FOUND', message: 'device "nope" is not registered' }));
    const error = await client.devices.get('nope').catch((e: unknown) => e);
    expect(isApiError(error, 'CLD_DEVICE_NOT_FOUND')).toBe(true);
    expect(error).toMatchObject({ status: 404, message: 'device "nope" is not registered' });
  });

  it.each([
    ['not JSON', 'text', /^GET \/devices\/dev1: the response body is not JSON: text$/],
    ['wrong shape', { deviceId: 5 }, /^get device: unexpected response body \(deviceId: .+; generationId: .+\)$/],
  ])('a 2xx body that is %s is CLIENT_RESPONSE_INVALID', async (_name, body, message) => {
    server.respond((_req, res) => (typeof body === 'string' ? res.writeHead(200).end(body) : sendJson(res, 200, body)));
    const error = await client.devices.get('dev1').catch((e: unknown) => e);
    expect(isApiError(error, 'CLIENT_RESPONSE_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('a refused connection is CLIENT_NETWORK_FAILED naming the URL and the cause', async () => {
    await server.close();
    const error = await client.devices.list().catch((e: unknown) => e);
    expect(isApiError(error, 'CLIENT_NETWORK_FAILED')).toBe(true);
    expect((error as ApiError).status).toBe(0);
    expect((error as Error).message).toMatch(new RegExp(`^GET ${server.baseUrl}/devices failed: .*ECONNREFUSED`));
  });
});

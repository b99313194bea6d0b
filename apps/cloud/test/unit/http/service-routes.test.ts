import { afterEach, describe, expect, it } from 'vitest';
import { C2dAcceptedSchema, MethodResultSchema, TelemetryMessageSchema, VergeError } from '@verge/contracts';
import type { DeviceGateway } from '../../../src/services/types.js';
import { createTestApi, type TestApi } from '../../helpers/fixtures.js';

let t: TestApi;
afterEach(async () => t?.closeAll());

async function setup(): Promise<TestApi> {
  t = await createTestApi();
  await t.services.devices.putDevice('d1', { deviceId: 'd1' }, undefined);
  await t.services.modules.putModule('d1', 'm1', { moduleId: 'm1' }, undefined);
  return t;
}

function gateway(answer: (name: string, payload: unknown) => Promise<{ status: number; payload: unknown }>, online = true): DeviceGateway {
  return { isConnected: () => online, invokeMethod: (_id, name, payload) => answer(name, payload) };
}

describe('direct methods over HTTP (stub DeviceGateway)', () => {
  it("returns 200 { status, payload } with the device's answer, for devices and modules", async () => {
    await setup();
    t.setGateway(gateway(async (name, payload) => ({ status: 201, payload: { name, got: payload } })));
    const body = { methodName: 'reboot', payload: { delay: 2 }, responseTimeoutInSeconds: 30, connectTimeoutInSeconds: 0 };
    const res = await t.api.app.inject({ method: 'POST', url: '/twins/d1/methods?api-version=2021-04-12', headers: { authorization: t.auth(), 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(200);
    expect(MethodResultSchema.parse(res.json())).toEqual({ status: 201, payload: { name: 'reboot', got: { delay: 2 } } });
    const mod = await t.api.app.inject({ method: 'POST', url: '/twins/d1/modules/m1/methods', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: JSON.stringify({ methodName: 'ping' }) });
    expect(mod.json()).toEqual({ status: 201, payload: { name: 'ping', got: null } });
  });

  it('answers 404 DeviceNotOnline when the device is not connected, 404 DeviceNotFound when unknown, 504 on timeout', async () => {
    await setup();
    const invoke = (url: string) =>
      t.api.app.inject({ method: 'POST', url, headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: JSON.stringify({ methodName: 'x', responseTimeoutInSeconds: 5 }) });
    t.setGateway(gateway(async () => ({ status: 200, payload: null }), false));
    const offline = await invoke('/twins/d1/methods');
    expect(offline.statusCode).toBe(404);
    expect(offline.json()).toMatchObject({ code: 'CLD_DEVICE_NOT_CONNECTED', Message: expect.stringMatching(/^ErrorCode:DeviceNotOnline;device 'd1' is not connected/) });
    const unknown = await invoke('/twins/nope/methods');
    expect(unknown.json()).toMatchObject({ code: 'CLD_DEVICE_NOT_FOUND', Message: "ErrorCode:DeviceNotFound;device 'nope' is not registered" });
    t.setGateway(gateway(async () => Promise.reject(new VergeError('CLD_METHOD_TIMEOUT', "device 'd1' did not answer method 'x' within 5 s"))));
    const timeout = await invoke('/twins/d1/methods');
    expect(timeout.statusCode).toBe(504);
    expect(timeout.json()).toMatchObject({ code: 'CLD_METHOD_TIMEOUT', Message: "ErrorCode:GatewayTimeout;device 'd1' did not answer method 'x' within 5 s" });
  });

  it.each([
    [{ payload: 1 }, 'methodName: Invalid input: expected string, received undefined'],
    [{ methodName: 'a', responseTimeoutInSeconds: 4 }, 'responseTimeoutInSeconds: Too small: expected number to be >=5'],
    [{ methodName: 'a', responseTimeoutInSeconds: 301 }, 'responseTimeoutInSeconds: Too big: expected number to be <=300'],
    [{ methodName: 'a', connectTimeoutInSeconds: -1 }, 'connectTimeoutInSeconds: Too small: expected number to be >=0'],
  ])('refuses %j with 400 naming the field', async (body, rule) => {
    await setup();
    const res = await t.api.app.inject({ method: 'POST', url: '/twins/d1/methods', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe(`request body is invalid: ${rule}`);
  });
});

describe('direct method payload size', () => {
  it("passes a payload of exactly 128 KB of JSON to the device (IoT Hub's limit is inclusive)", async () => {
    await setup();
    t.setGateway(gateway(async () => ({ status: 200, payload: 'ok' })));
    const payload = 'x'.repeat(128 * 1024 - 2);
    const res = await t.api.app.inject({ method: 'POST', url: '/twins/d1/methods', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: JSON.stringify({ methodName: 'a', payload }) });
    expect(res.statusCode).toBe(200);
  });

  it('refuses a payload over 128 KB with 400 naming the payload and the limit, without calling the device', async () => {
    await setup();
    let called = false;
    t.setGateway(gateway(async () => ((called = true), { status: 200, payload: 'ok' })));
    // 131,075 bytes of JSON: the string and its quotes.
    const res = await t.api.app.inject({ method: 'POST', url: '/twins/d1/methods', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: JSON.stringify({ methodName: 'a', payload: 'x'.repeat(128 * 1024 + 1) }) });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe("request body is invalid: payload: 131075 bytes of JSON exceed IoT Hub's limit of 131072 bytes (128 KB) on a direct method's payload");
    expect(called).toBe(false);
  });

  it('refuses a scheduleDeviceMethod job whose payload is over 128 KB when it is created', async () => {
    await setup();
    const job = { type: 'scheduleDeviceMethod', queryCondition: "deviceId = 'd1'", cloudToDeviceMethod: { methodName: 'a', payload: { s: 'x'.repeat(128 * 1024) } } };
    const res = await t.api.app.inject({ method: 'PUT', url: '/jobs/v2/big', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: JSON.stringify(job) });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^request body is invalid: cloudToDeviceMethod\.payload: 131080 bytes of JSON exceed IoT Hub's limit/);
  });
});

describe('C2D over HTTP', () => {
  it('queues the raw body with IoT Hub headers as message fields and application properties', async () => {
    await setup();
    const res = await t.api.app.inject({
      method: 'POST',
      url: '/devices/d1/messages/deviceBound?api-version=2021-04-12',
      headers: {
        authorization: t.auth(),
        'content-type': 'application/octet-stream',
        'iothub-messageid': 'mid-7',
        'iothub-correlationid': 'cid-7',
        'iothub-expiry': '2030-01-01T00:10:00Z',
        'iothub-contenttype': 'text/plain',
        'iothub-contentencoding': 'utf-8',
        'iothub-ack': 'full',
        'iothub-app-Color': 'red',
        'iothub-app-count': '3',
      },
      payload: Buffer.from([0, 1, 2, 255]),
    });
    expect(res.statusCode).toBe(202);
    expect(C2dAcceptedSchema.parse(res.json())).toEqual({
      deviceId: 'd1',
      messageId: 'mid-7',
      enqueuedTime: '2030-01-01T00:00:00.000Z',
      expiryTimeUtc: '2030-01-01T00:10:00.000Z',
      pendingCount: 1,
    });
    const [m] = await t.services.endpoint.pendingC2d('d1');
    expect([...(m?.message.body ?? [])]).toEqual([0, 1, 2, 255]);
    expect(m?.message.properties).toEqual({ color: 'red', count: '3' });
    expect(m?.message.systemProperties).toMatchObject({ messageId: 'mid-7', cid: 'cid-7', contentType: 'text/plain', contentEncoding: 'utf-8', 'iothub-ack': 'full' });
  });

  it('takes JSON bodies as bytes and the request Content-Type as the content type', async () => {
    await setup();
    const res = await t.api.app.inject({ method: 'POST', url: '/devices/d1/messages/deviceBound', headers: { authorization: t.auth(), 'content-type': 'application/json' }, payload: '{"a":1}' });
    expect(res.statusCode).toBe(202);
    const [m] = await t.services.endpoint.pendingC2d('d1');
    expect(new TextDecoder().decode(m?.message.body)).toBe('{"a":1}');
    expect(m?.message.systemProperties['contentType']).toBe('application/json');
  });

  it.each([
    [{ 'iothub-expiry': 'tomorrow' }, 400, 'CLD_C2D_EXPIRY_INVALID', "iothub-expiry: 'tomorrow' is not an ISO-8601 time (e.g. 2030-01-01T00:00:00Z)"],
    [{ 'iothub-expiry': '2029-01-01T00:00:00Z' }, 400, 'CLD_C2D_EXPIRY_INVALID', 'iothub-expiry: the message would already be expired; give a time in the future'],
    [{ 'iothub-ack': 'always' }, 400, 'CLD_C2D_ACK_INVALID', "iothub-ack: 'always' is not one of none, positive, negative, full"],
  ])('refuses bad headers %j', async (headers, status, code, message) => {
    await setup();
    const res = await t.api.app.inject({ method: 'POST', url: '/devices/d1/messages/deviceBound', headers: { authorization: t.auth(), ...headers }, payload: 'x' });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code, message });
  });

  it('answers 413 over 64 KB and 403 beyond 50 pending messages', async () => {
    await setup();
    const send = (payload: Buffer) => t.api.app.inject({ method: 'POST', url: '/devices/d1/messages/deviceBound', headers: { authorization: t.auth(), 'content-type': 'application/octet-stream' }, payload });
    const big = await send(Buffer.alloc(70_000));
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'CLD_C2D_MESSAGE_TOO_LARGE', Message: 'ErrorCode:MessageTooLarge;the message is 70000 bytes (body plus properties), the limit is 65536' });
    for (let i = 0; i < 50; i++) expect((await send(Buffer.from(`m${i}`))).statusCode).toBe(202);
    const full = await send(Buffer.from('51'));
    expect(full.statusCode).toBe(403);
    expect(full.json()).toMatchObject({ code: 'CLD_C2D_QUEUE_FULL', Message: expect.stringMatching(/^ErrorCode:DeviceMaximumQueueDepthExceeded;/) });
  });
});

describe('recent messages over HTTP', () => {
  it('returns retained messages, newest last, filtered and paged back with before', async () => {
    await setup();
    for (const [d, m, text] of [['d1', undefined, 'a'], ['d1', 'm1', 'b'], ['d2', undefined, 'c'], ['d1', undefined, 'd']] as const) {
      await t.services.endpoint.ingestTelemetry({
        body: Buffer.from(text),
        properties: { k: text },
        systemProperties: { connectionDeviceId: d, ...(m === undefined ? {} : { connectionModuleId: m }), enqueuedTime: '2030-01-01T00:00:00.000Z' },
      });
    }
    const get = async (q: string) => {
      const res = await t.api.app.inject({ method: 'GET', url: `/messages${q}`, headers: { authorization: t.auth() } });
      expect(res.statusCode).toBe(200);
      return (res.json() as unknown[]).map((x) => TelemetryMessageSchema.parse(x));
    };
    const texts = (ms: { body: string }[]) => ms.map((x) => Buffer.from(x.body, 'base64').toString());
    expect(texts(await get(''))).toEqual(['a', 'b', 'c', 'd']);
    expect(texts(await get('?deviceId=d1'))).toEqual(['a', 'b', 'd']);
    expect(texts(await get('?deviceId=d1&moduleId=m1'))).toEqual(['b']);
    const lastTwo = await get('?limit=2');
    expect(texts(lastTwo)).toEqual(['c', 'd']);
    expect(texts(await get(`?limit=2&before=${lastTwo[0]?.sequenceNumber}`))).toEqual(['a', 'b']);
    const bad = await t.api.app.inject({ method: 'GET', url: '/messages?limit=0', headers: { authorization: t.auth() } });
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: 'query string is invalid: limit: Too small: expected number to be >=1' });
  });
});

describe('health', () => {
  it('answers 503 with the health document until every listener is up', async () => {
    t = await createTestApi();
    const deps = { status: 'starting' as const, listeners: { http: { up: true, port: 1 }, mqtt: { up: false } } };
    const { buildApp } = await import('../../../src/http/app.js');
    const { app } = buildApp({ ...t.services, bus: t.bus, clock: t.clock, hostName: 'hub.test', log: t.ctx.log, health: () => deps });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual(deps);
    await app.close();
  });
});

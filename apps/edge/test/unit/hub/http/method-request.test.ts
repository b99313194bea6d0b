import { describe, expect, it } from 'vitest';
import { isVergeError, VergeError } from '@verge/contracts';
import { createSasToken, deriveModuleKey, deviceResource, moduleResource } from '@verge/core';
import { authenticateHubClient } from '../../../../src/hub/auth/hub-authenticate.js';
import { authenticateMethodCaller, checkMethodTarget, type MethodCallerContext } from '../../../../src/hub/http/method-caller.js';
import { matchMethodRoute, methodErrorAnswer, parseMethodCall } from '../../../../src/hub/http/method-request.js';

const EDGE = 'edge-1';
const HUB = 'hub.example';
const DEVICE_KEY = Buffer.alloc(32, 9).toString('base64');
const NOW_MS = 1_800_000_000_000;
const generations: Record<string, string> = { modA: 'gen-a', modB: 'gen-b' };

const ctx: MethodCallerContext = {
  edgeDeviceId: EDGE,
  iotHubHostName: HUB,
  authenticate: (creds, nowMs) =>
    authenticateHubClient(creds, {
      edgeDeviceId: EDGE,
      deviceKey: DEVICE_KEY,
      resolveModule: (m) => (generations[m] === undefined ? undefined : { generationId: String(generations[m]) }),
      leaf: (id) => (id === 'leaf-1' ? { deviceId: 'leaf-1', status: 'enabled', authentication: { type: 'sas', primaryKey: DEVICE_KEY, secondaryKey: DEVICE_KEY } } : undefined),
      audienceHosts: [HUB, 'gateway.local'],
      nowMs,
    }),
  isLeaf: (id) => id === 'leaf-1',
  nowMs: NOW_MS,
};

function moduleToken(moduleId: string, o: { key?: string; expirySec?: number; resource?: string } = {}): string {
  const key = o.key ?? deriveModuleKey(DEVICE_KEY, moduleId, generations[moduleId] ?? 'none', 'primary');
  return createSasToken({ resource: o.resource ?? moduleResource(HUB, EDGE, moduleId), key, expirySec: o.expirySec ?? NOW_MS / 1000 + 3600 });
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (isVergeError(e)) return `${e.code} ${e.status}`;
    throw e;
  }
  return 'accepted';
}

describe('matchMethodRoute', () => {
  it.each([
    ['POST', '/twins/d1/methods', { kind: 'invoke', target: { deviceId: 'd1' } }],
    ['POST', '/twins/d1/methods?api-version=2018-06-30', { kind: 'invoke', target: { deviceId: 'd1' } }],
    ['POST', '/twins/d1/modules/m1/methods', { kind: 'invoke', target: { deviceId: 'd1', moduleId: 'm1' } }],
    ['POST', '/twins/d%3A1/modules/%24m/methods', { kind: 'invoke', target: { deviceId: 'd:1', moduleId: '$m' } }],
    ['GET', '/twins/d1/methods', { kind: 'none' }],
    ['POST', '/twins//methods', { kind: 'none' }],
    ['POST', '/twins/d1/modules/m1/methods/extra', { kind: 'none' }],
    ['POST', '/twins/d%2F1/methods', { kind: 'none' }],
    ['POST', '/twins/%E0%A4%A/methods', { kind: 'none' }],
    ['POST', '/devices/d1/methods', { kind: 'none' }],
  ])('%s %s', (method, url, expected) => {
    expect(matchMethodRoute(method, url)).toEqual(expected);
  });
});

describe('parseMethodCall', () => {
  it("applies IoT Hub's defaults (30 s answer, 0 s connect)", () => {
    expect(parseMethodCall('{"methodName":"reboot"}')).toEqual({ methodName: 'reboot', payload: null, responseTimeoutMs: 30_000, connectTimeoutMs: 0 });
    expect(parseMethodCall('{"methodName":"m","payload":{"a":1},"responseTimeoutInSeconds":5,"connectTimeoutInSeconds":2}')).toEqual({
      methodName: 'm',
      payload: { a: 1 },
      responseTimeoutMs: 5_000,
      connectTimeoutMs: 2_000,
    });
  });

  it.each([
    ['not json', /not JSON/],
    ['{}', /methodName/],
    ['{"methodName":""}', /methodName/],
    ['{"methodName":"m","responseTimeoutInSeconds":4}', /responseTimeoutInSeconds/],
    ['{"methodName":"m","responseTimeoutInSeconds":301}', /responseTimeoutInSeconds/],
    ['{"methodName":"m","connectTimeoutInSeconds":-1}', /connectTimeoutInSeconds/],
  ])('refuses %s with HUB_METHOD_REQUEST_INVALID (400)', (body, message) => {
    expect(() => parseMethodCall(body)).toThrow(message);
    expect(codeOf(() => parseMethodCall(body))).toBe('HUB_METHOD_REQUEST_INVALID 400');
  });

  it('refuses a payload over 128 KB even when the body fits the listener (IoT Hub limits the payload, not the body)', () => {
    const body = JSON.stringify({ methodName: 'm', payload: { s: 'x'.repeat(128 * 1024) } });
    expect(() => parseMethodCall(body)).toThrow(/^payload: 131080 bytes of JSON exceed IoT Hub's limit of 131072 bytes/);
    expect(codeOf(() => parseMethodCall(body))).toBe('HUB_METHOD_REQUEST_INVALID 400');
    expect(parseMethodCall(JSON.stringify({ methodName: 'm', payload: 'x'.repeat(128 * 1024 - 2) })).methodName).toBe('m');
  });
});

describe('methodErrorAnswer', () => {
  it("answers in IoT Hub's shape, which the SDK's parseErrorBody reads", () => {
    const answer = methodErrorAnswer(new VergeError('HUB_CLIENT_NOT_CONNECTED', "module 'e/m' is not connected; try later"), 't-1', '2027-01-15T08:00:00.000Z');
    expect(answer).toEqual({
      status: 404,
      body: {
        code: 'HUB_CLIENT_NOT_CONNECTED',
        message: "module 'e/m' is not connected; try later",
        errorCode: 404103,
        trackingId: 't-1',
        timestampUtc: '2027-01-15T08:00:00.000Z',
        Message: "ErrorCode:DeviceNotOnline;module 'e/m' is not connected, try later",
        ExceptionMessage: 'Tracking ID:t-1-TimeStamp:2027-01-15T08:00:00.000Z',
      },
    });
    expect(methodErrorAnswer(new VergeError('HUB_METHOD_TIMEOUT', 'late'), 't', 'now').body).toMatchObject({ errorCode: 504101, Message: 'ErrorCode:GatewayTimeout;late' });
  });
});

describe('authenticateMethodCaller', () => {
  const header = (m: string): string => `${EDGE}/${m}`;

  it("accepts a module of this edge device with its own SAS token (module or device audience, hub or gateway host)", () => {
    expect(authenticateMethodCaller({ authorization: moduleToken('modA'), 'x-ms-edge-moduleid': header('modA') }, ctx)).toEqual({ deviceId: EDGE, moduleId: 'modA' });
    expect(authenticateMethodCaller({ authorization: moduleToken('modA') }, ctx)).toEqual({ deviceId: EDGE, moduleId: 'modA' });
    expect(authenticateMethodCaller({ authorization: moduleToken('modA', { resource: deviceResource('gateway.local', EDGE) }), 'x-ms-edge-moduleid': header('modA') }, ctx)).toEqual({
      deviceId: EDGE,
      moduleId: 'modA',
    });
  });

  it.each<[string, Parameters<typeof authenticateMethodCaller>[0], string]>([
    ['no token', { 'x-ms-edge-moduleid': `${EDGE}/modA` }, 'HUB_METHOD_CALLER_UNAUTHORIZED 401'],
    ['a token signed with another key', { authorization: moduleToken('modA', { key: DEVICE_KEY }), 'x-ms-edge-moduleid': `${EDGE}/modA` }, 'HUB_METHOD_CALLER_UNAUTHORIZED 401'],
    ['an expired token', { authorization: moduleToken('modA', { expirySec: NOW_MS / 1000 - 3600 }), 'x-ms-edge-moduleid': `${EDGE}/modA` }, 'HUB_METHOD_CALLER_UNAUTHORIZED 401'],
    ["modB's token presented as modA", { authorization: moduleToken('modB'), 'x-ms-edge-moduleid': `${EDGE}/modA` }, 'HUB_METHOD_CALLER_UNAUTHORIZED 401'],
    ['garbage', { authorization: 'Bearer x' }, 'HUB_METHOD_CALLER_UNAUTHORIZED 401'],
    ['a module of another device', { authorization: moduleToken('modA'), 'x-ms-edge-moduleid': 'edge-2/modA' }, 'HUB_METHOD_CALLER_FORBIDDEN 403'],
    ['a leaf device', { authorization: moduleToken('modA'), 'x-ms-edge-moduleid': 'leaf-1' }, 'HUB_METHOD_CALLER_FORBIDDEN 403'],
    ['a module not deployed here', { authorization: moduleToken('modC'), 'x-ms-edge-moduleid': `${EDGE}/modC` }, 'HUB_METHOD_CALLER_FORBIDDEN 403'],
    ['$edgeHub itself', { authorization: moduleToken('$edgeHub'), 'x-ms-edge-moduleid': `${EDGE}/$edgeHub` }, 'HUB_METHOD_CALLER_FORBIDDEN 403'],
  ])('refuses %s', (_what, headers, expected) => {
    expect(codeOf(() => authenticateMethodCaller(headers, ctx))).toBe(expected);
  });
});

describe('checkMethodTarget', () => {
  it.each<[string, { deviceId: string; moduleId?: string }, string]>([
    ['a module of this device', { deviceId: EDGE, moduleId: 'modB' }, 'accepted'],
    ['a module of this device not deployed (404 later, when not connected)', { deviceId: EDGE, moduleId: 'modZ' }, 'accepted'],
    ['a leaf of its scope', { deviceId: 'leaf-1' }, 'accepted'],
    ['a module of another device', { deviceId: 'edge-2', moduleId: 'modB' }, 'HUB_METHOD_CALLER_FORBIDDEN 403'],
    ['a device outside the scope', { deviceId: 'stranger' }, 'HUB_METHOD_CALLER_FORBIDDEN 403'],
    ['the edge device itself', { deviceId: EDGE }, 'HUB_METHOD_CALLER_FORBIDDEN 403'],
    ['$edgeHub', { deviceId: EDGE, moduleId: '$edgeHub' }, 'HUB_METHOD_CALLER_FORBIDDEN 403'],
  ])('%s', (_what, target, expected) => {
    expect(codeOf(() => checkMethodTarget(target, ctx))).toBe(expected);
  });
});

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { deriveModuleKey, hmacSha256Base64, decodeBase64 } from '@verge/core';
import { createDeviceClient, deviceClientFromConnectionString, type ConnectedEvent, type DeviceClient, type DeviceClientOptions, type DisconnectedEvent } from '@verge/device-client';
import { eventually, freePort } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';

interface Telemetry {
  deviceId: string;
  moduleId?: string;
  systemProperties: Record<string, string>;
  properties: Record<string, string>;
  body: string;
}

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
});

afterAll(async () => {
  await cloud?.stop();
});

function options(deviceId: string, key: string, extra: Partial<DeviceClientOptions> = {}): DeviceClientOptions {
  return { hubHostName: cloud.hostName, deviceId, host: 'localhost', port: cloud.mqttPort, ca: cloud.caPem, credential: { kind: 'sasKey', key }, ...extra };
}

function client(o: DeviceClientOptions): DeviceClient {
  const c = createDeviceClient(o);
  onTestFinished(() => c.close());
  return c;
}

async function messagesOf(deviceId: string, limit?: number): Promise<Telemetry[]> {
  const raw = (await cloud.ok('GET', `/messages?deviceId=${encodeURIComponent(deviceId)}${limit === undefined ? '' : `&limit=${limit}`}`)) as Telemetry[];
  return raw.map((m) => ({ ...m, body: Buffer.from(m.body, 'base64').toString('utf8') }));
}

describe('device client against the real cloud', () => {
  it('connects a device, sends events with properties, in order', async () => {
    const key = await cloud.createDevice('dc-dev1');
    const c = client(options('dc-dev1', key));
    const seen: ConnectedEvent[] = [];
    c.on('connected', (e) => seen.push(e));
    await c.connect({ timeoutMs: 10_000 });
    expect(seen).toEqual([{ reason: 'initial', sessionPresent: false }]);
    for (let i = 0; i < 20; i++) {
      await c.sendEvent({ body: `m${i}`, properties: { 'needs encoding': 'a&b=c/d', i: String(i) }, systemProperties: { messageId: `mid-${i}`, contentType: 'text/plain' } });
    }
    const messages = await messagesOf('dc-dev1');
    expect(messages.map((m) => m.body)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(messages[3]?.properties).toEqual({ 'needs encoding': 'a&b=c/d', i: '3' });
    expect(messages[3]?.systemProperties).toMatchObject({ messageId: 'mid-3', contentType: 'text/plain', connectionDeviceId: 'dc-dev1' });
  });

  it('sends a batch with sendEvents in order, written together while subscriptions share the packet identifiers; a refused message fails alone', async () => {
    const key = await cloud.createDevice('dc-batch');
    const c = client(options('dc-batch', key, { maxMessageBytes: 64 }));
    await c.connect({ timeoutMs: 10_000 });
    const batch = Array.from({ length: 300 }, (_, i) => ({ body: i === 7 ? 'x'.repeat(65) : `b${i}`, systemProperties: { messageId: `b-${i}` } }));
    const sent = c.sendEvents(batch);
    c.onDesiredPatch(() => undefined); // a SUBSCRIBE through mqtt.js while the batch waits for its PUBACKs
    const results = await sent;
    expect(results.map((r, i) => (r === undefined ? 'ok' : i === 7 && isVergeError(r, 'SDK_MESSAGE_TOO_LARGE') ? 'too large' : r.message))).toEqual(
      batch.map((_, i) => (i === 7 ? 'too large' : 'ok')),
    );
    await expect(c.getTwin({ timeoutMs: 5_000 })).resolves.toMatchObject({ desired: expect.any(Object) });
    const bodies = (await messagesOf('dc-batch', 1000)).map((m) => m.body);
    expect(bodies).toEqual(batch.filter((_, i) => i !== 7).map((m) => m.body));
  });

  it('sends module outputs as the module identity ($.on)', async () => {
    await cloud.createDevice('dc-edge1', { edge: true });
    const { primaryKey } = await cloud.createModule('dc-edge1', 'modA');
    const c = client(options('dc-edge1', primaryKey, { moduleId: 'modA' }));
    await c.sendEvent({ body: 'hello', outputName: 'out1' });
    const [message] = await messagesOf('dc-edge1');
    expect(message).toMatchObject({ deviceId: 'dc-edge1', moduleId: 'modA', body: 'hello' });
    expect(message?.systemProperties).toMatchObject({ outputName: 'out1', connectionModuleId: 'modA' });
  });

  it('reads the twin, patches reported properties and receives desired patches', async () => {
    const key = await cloud.createDevice('dc-twin');
    const c = client(options('dc-twin', key));
    const patches: [Record<string, unknown>, number | undefined][] = [];
    c.onDesiredPatch((patch, version) => patches.push([patch, version]));
    const twin = await c.getTwin();
    expect(twin.desired).toMatchObject({ $version: 1 });
    const version = await c.patchReported({ a: 1, nested: { b: 'x' } });
    expect(version).toBeTypeOf('number');
    const after = await c.getTwin();
    expect(after.reported).toMatchObject({ a: 1, nested: { b: 'x' }, $version: version });
    await cloud.ok('PATCH', '/twins/dc-twin', { properties: { desired: { setting: 42 } } });
    const [patch, v] = await eventually(() => patches[0], { description: 'desired patch', timeoutMs: 5_000 });
    expect(patch).toMatchObject({ setting: 42 });
    expect(v).toBe(2);
  });

  it('answers direct methods', async () => {
    const key = await cloud.createDevice('dc-methods');
    const c = client(options('dc-methods', key));
    c.onMethod(async (req) => (req.methodName === 'echo' ? { status: 200, payload: { got: req.payload } } : { status: 404, payload: { message: 'no such method' } }));
    await c.connect();
    await eventually(async () => ((await cloud.rest('GET', '/devices/dc-methods')).body as { connectionState?: string }).connectionState === 'Connected' || undefined);
    const invoke = (methodName: string): Promise<unknown> => cloud.ok('POST', '/twins/dc-methods/methods', { methodName, payload: { x: 1 }, responseTimeoutInSeconds: 5 });
    // The subscription is made lazily; wait until a call reaches the handler.
    await eventually(async () => ((await cloud.rest('POST', '/twins/dc-methods/methods', { methodName: 'echo', payload: null, responseTimeoutInSeconds: 5 })).status === 200 ? true : undefined));
    expect(await invoke('echo')).toEqual({ status: 200, payload: { got: { x: 1 } } });
    expect(await invoke('other')).toEqual({ status: 404, payload: { message: 'no such method' } });
  });

  it('receives cloud-to-device messages', async () => {
    const key = await cloud.createDevice('dc-c2d');
    const c = client(options('dc-c2d', key));
    const received: { body: string; properties: Record<string, string>; systemProperties: Record<string, string> }[] = [];
    c.onC2d(async (m) => {
      received.push({ body: Buffer.from(m.body).toString(), properties: { ...m.properties }, systemProperties: { ...m.systemProperties } });
    });
    await c.connect();
    await cloud.ok('POST', '/devices/dc-c2d/messages/deviceBound', 'payload-1', { 'iothub-messageid': 'c2d-1', 'iothub-app-color': 'blue' });
    const m = await eventually(() => received[0], { description: 'c2d message', timeoutMs: 5_000 });
    expect(m.body).toBe('payload-1');
    expect(m.properties).toEqual({ color: 'blue' });
    expect(m.systemProperties).toMatchObject({ messageId: 'c2d-1' });
    expect(() => createDeviceClient(options('dc-c2d', key, { moduleId: 'm' })).onC2d(() => undefined)).toThrow(/devices, not modules/);
  });

  it('connects a module with a signer callback (workload API style) and a derived key', async () => {
    await cloud.createDevice('dc-edge2', { edge: true });
    const deviceKey = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
    const created = await cloud.createModule('dc-edge2', 'modS');
    const derived = deriveModuleKey(deviceKey, 'modS', created.generationId, 'primary');
    await cloud.ok('PUT', '/devices/dc-edge2/modules/modS', { deviceId: 'dc-edge2', moduleId: 'modS', authentication: { type: 'sas', symmetricKey: { primaryKey: derived, secondaryKey: derived } } }, { 'if-match': '*' });
    const signed: string[] = [];
    const c = client(options('dc-edge2', 'unused', {
      moduleId: 'modS',
      credential: {
        kind: 'signer',
        sign: async (data) => {
          signed.push(data);
          return hmacSha256Base64(decodeBase64(derived) as Uint8Array, data);
        },
      },
    }));
    await c.connect({ timeoutMs: 10_000 });
    expect(signed[0]).toMatch(/^localhost%2Fdevices%2Fdc-edge2%2Fmodules%2FmodS\n\d+$/);
    await c.patchReported({ ok: true });
  });

  it('rejects connect() with the refusal when the key is wrong, and reports each failed attempt', async () => {
    await cloud.createDevice('dc-badkey');
    const c = client(options('dc-badkey', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', { reconnect: { initialDelayMs: 50, maxDelayMs: 100 } }));
    const events: DisconnectedEvent[] = [];
    c.on('disconnected', (e) => events.push(e));
    const err = await c.connect({ timeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(isVergeError(err, 'SDK_CONNECT_REFUSED')).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0]).toMatchObject({ reason: 'connectFailed' });
    expect(events.every((e) => (e.retryInMs ?? 0) <= 100)).toBe(true);
  });

  it('backs off with reconnectWhenRefused after a refusal, and with reconnect after a hub that does not answer', async () => {
    await cloud.createDevice('dc-refused');
    const policies = { reconnect: { initialDelayMs: 50, maxDelayMs: 100, jitter: 0 }, reconnectWhenRefused: { initialDelayMs: 7_000, maxDelayMs: 60_000, jitter: 0 } };
    const refused = client(options('dc-refused', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', policies));
    const refusals: DisconnectedEvent[] = [];
    refused.on('disconnected', (e) => refusals.push(e));
    expect(isVergeError(await refused.connect({ timeoutMs: 1_000 }).catch((e: unknown) => e), 'SDK_CONNECT_REFUSED')).toBe(true);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ reason: 'connectFailed', retryInMs: 7_000 });

    const unanswered = client({ ...options('dc-refused', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', policies), port: await freePort() });
    const failures: DisconnectedEvent[] = [];
    unanswered.on('disconnected', (e) => failures.push(e));
    void unanswered.connect({ timeoutMs: 5_000 }).catch(() => undefined);
    await eventually(() => failures.length >= 2, { description: 'two failed attempts against a closed port' });
    expect(failures.slice(0, 2).map((e) => e.retryInMs)).toEqual([50, 100]);
  });

  it('renews the SAS token by reconnecting with clean=false, keeping the session', async () => {
    const key = await cloud.createDevice('dc-renew');
    const c = client(options('dc-renew', key, { tokenTtlSec: 3, tokenRenewalMarginSec: 1 }));
    const seen: ConnectedEvent[] = [];
    c.on('connected', (e) => seen.push(e));
    c.onMethod(() => ({ status: 200, payload: 'pong' }));
    const sends: Promise<void>[] = [];
    const send = (from: number, to: number): void => {
      for (let i = from; i < to; i++) sends.push(c.sendEvent({ body: `r${i}` }));
    };
    // The renewal (due 1 s before the 3 s token expires) is an event the test waits for, not a time it guesses.
    let renewing = false;
    const renewalStarted = new Promise<void>((resolve) =>
      c.on('disconnected', (e) => {
        if (e.reason !== 'tokenRenewal' || renewing) return;
        renewing = true;
        // Sent while the old connection drains and before the new one is up: queued, then sent on the new connection.
        send(10, 20);
        resolve();
      }),
    );
    const renewed = new Promise<ConnectedEvent>((resolve) => c.on('connected', (e) => e.reason === 'tokenRenewal' && resolve(e)));
    await c.connect();
    // Events sent before, during and after the renewal all arrive, in order.
    send(0, 10);
    await renewalStarted;
    expect(await renewed).toEqual({ reason: 'tokenRenewal', sessionPresent: true });
    send(20, 30);
    await Promise.all(sends);
    expect((await messagesOf('dc-renew')).map((m) => m.body)).toEqual(Array.from({ length: 30 }, (_, i) => `r${i}`));
    expect(seen.filter((e) => e.reason === 'tokenRenewal').every((e) => e.sessionPresent)).toBe(true);
    const result = await cloud.ok('POST', '/twins/dc-renew/methods', { methodName: 'ping', responseTimeoutInSeconds: 5 });
    expect(result).toEqual({ status: 200, payload: 'pong' });
  });

  it('builds the client from a connection string', async () => {
    const key = await cloud.createDevice('dc-cs');
    const c = deviceClientFromConnectionString(`HostName=${cloud.hostName};DeviceId=dc-cs;SharedAccessKey=${key};GatewayHostName=localhost:${cloud.mqttPort}`, { ca: cloud.caPem });
    onTestFinished(() => c.close());
    await c.sendEvent({ body: 'via cs' });
    expect((await messagesOf('dc-cs')).map((m) => m.body)).toEqual(['via cs']);
  });

  it('times out twin requests and fails pending operations on close()', async () => {
    const c = createDeviceClient(options('dc-nowhere', 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', { port: 1, reconnect: { initialDelayMs: 50, maxDelayMs: 50 } }));
    const twin = c.getTwin({ timeoutMs: 300 }).catch((e: unknown) => e);
    expect(isVergeError(await twin, 'SDK_REQUEST_TIMEOUT')).toBe(true);
    const send = c.sendEvent({ body: 'never' }).catch((e: unknown) => e);
    await c.close();
    expect(isVergeError(await send, 'SDK_CLIENT_CLOSED')).toBe(true);
    await expect(c.getTwin()).rejects.toMatchObject({ code: 'SDK_CLIENT_CLOSED' });
  });
});

describe('device client across a cloud restart', () => {
  it('reconnects with backoff and delivers the events sent while offline, in order', async () => {
    const key = await cloud.createDevice('dc-restart');
    const c = client(options('dc-restart', key, { reconnect: { initialDelayMs: 100, maxDelayMs: 400 } }));
    const methods: string[] = [];
    c.onMethod((req) => {
      methods.push(req.methodName);
      return { status: 200 };
    });
    await c.connect();
    await c.sendEvent({ body: 'before' });
    const lost = new Promise<DisconnectedEvent>((resolve) => c.on('disconnected', (e) => e.reason === 'connectionLost' && resolve(e)));
    await cloud.pause();
    await lost;
    const offline = Array.from({ length: 10 }, (_, i) => c.sendEvent({ body: `offline-${i}` }));
    await cloud.resume();
    await Promise.all(offline);
    await c.connect({ timeoutMs: 5_000 });
    const bodies = (await messagesOf('dc-restart')).map((m) => m.body);
    expect(bodies).toEqual(['before', ...Array.from({ length: 10 }, (_, i) => `offline-${i}`)]);
    const result = await cloud.ok('POST', '/twins/dc-restart/methods', { methodName: 'after', responseTimeoutInSeconds: 5 });
    expect(result).toEqual({ status: 200, payload: null });
    expect(methods).toEqual(['after']);
  });
});

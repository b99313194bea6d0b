import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SdkClients, Message, deviceConnectionString, nextDesired, updateReported } from './sdk-support/sdk-clients.js';
import type { DeviceClient } from './sdk-support/sdk-clients.js';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';

// The unmodified Azure IoT device SDK (azure-iot-device + azure-iot-device-mqtt) against a real cloud
// (`startCloud`: SQLite store, REST API, MQTT endpoint over TLS with the generated PKI).

let cloud: TestCloud;
const sdk = new SdkClients();
beforeAll(async () => {
  cloud = await startTestCloud();
});
afterEach(async () => {
  await sdk.closeAll();
});
afterAll(async () => {
  await cloud.stop();
});

async function connect(deviceId: string, key: string, options: Record<string, unknown> = {}): Promise<DeviceClient> {
  const client = await sdk.device(deviceConnectionString({ hostName: cloud.hostName, deviceId, key, port: cloud.mqttPort }), { ca: cloud.caPem, ...options });
  await client.open();
  return client;
}

describe('Azure IoT device SDK → cloud (SAS)', () => {
  it('sends telemetry that appears on /events and /messages with identities and properties', async () => {
    const key = await cloud.createDevice('tel-1');
    const events = await cloud.openEvents('?deviceId=tel-1');
    const client = await connect('tel-1', key);
    const m = new Message(JSON.stringify({ temperature: 21.5 }));
    m.messageId = 'msg-1';
    m.correlationId = 'corr-1';
    m.contentType = 'application/json';
    m.contentEncoding = 'utf-8';
    m.properties.add('alert', 'high & hot');
    await client.sendEvent(m);
    const seen = await eventually(() => events.messages.find((e) => e.systemProperties['messageId'] === 'msg-1'), { description: 'telemetry on /events' });
    expect(seen).toMatchObject({
      deviceId: 'tel-1',
      properties: { alert: 'high & hot' },
      systemProperties: { messageId: 'msg-1', cid: 'corr-1', contentType: 'application/json', contentEncoding: 'utf-8', connectionDeviceId: 'tel-1' },
    });
    expect(Buffer.from(seen.body, 'base64').toString()).toBe('{"temperature":21.5}');
    expect(Date.parse(seen.enqueuedTime)).toBeGreaterThan(Date.now() - 10_000);
    const page = await cloud.rest('GET', '/messages?deviceId=tel-1');
    expect((page.body as { systemProperties: Record<string, string> }[]).map((p) => p.systemProperties['messageId'])).toContain('msg-1');
  });

  it('reads its twin, reports properties and receives desired patches set through REST', async () => {
    const key = await cloud.createDevice('twin-1');
    await cloud.rest('PATCH', '/twins/twin-1', { properties: { desired: { interval: 10 } } });
    const client = await connect('twin-1', key);
    const twin = await client.getTwin();
    expect(twin.properties.desired['interval']).toBe(10);
    await updateReported(twin, { firmware: '2.1', battery: { level: 80 } });
    const viaRest = await cloud.rest('GET', '/twins/twin-1');
    expect((viaRest.body as { properties: { reported: Record<string, unknown> } }).properties.reported).toMatchObject({ firmware: '2.1', battery: { level: 80 } });
    const patched = nextDesired(twin, 'mode');
    await cloud.subscribed('twin-1', '$iothub/twin/PATCH/properties/desired/'); // twin.on subscribes lazily
    expect((await cloud.rest('PATCH', '/twins/twin-1', { properties: { desired: { mode: 'eco' } } })).status).toBe(200);
    expect(await patched).toMatchObject({ mode: 'eco' });
    expect(twin.properties.desired['mode']).toBe('eco');
  });

  it('answers direct methods invoked through REST; 504 on timeout, 404 when offline', async () => {
    const key = await cloud.createDevice('meth-1');
    const offline = await cloud.rest('POST', '/twins/meth-1/methods', { methodName: 'reboot', payload: {}, responseTimeoutInSeconds: 5 });
    expect(offline.status).toBe(404);
    const client = await connect('meth-1', key);
    client.onDeviceMethod('reboot', (req, res) => void res.send(200, { rebootingIn: (req.payload as { delay: number }).delay }));
    client.onDeviceMethod('hang', () => undefined);
    await cloud.subscribed('meth-1', '$iothub/methods/POST/');
    const answered = await cloud.rest('POST', '/twins/meth-1/methods', { methodName: 'reboot', payload: { delay: 3 }, responseTimeoutInSeconds: 5 });
    expect(answered).toEqual({ status: 200, body: { status: 200, payload: { rebootingIn: 3 } } });
    const timedOut = await cloud.rest('POST', '/twins/meth-1/methods', { methodName: 'hang', payload: null, responseTimeoutInSeconds: 5 });
    expect(timedOut.status).toBe(504);
  }, 20_000);

  it('receives C2D messages sent through REST, also those queued while offline, after reconnecting', async () => {
    const key = await cloud.createDevice('c2d-1');
    const queued = await cloud.rest('POST', '/devices/c2d-1/messages/deviceBound', 'while-offline', { 'iothub-messageid': 'off-1', 'iothub-app-color': 'blue' });
    expect(queued.status).toBe(202);
    const received: { data: string; messageId: string; color: unknown }[] = [];
    const client = await connect('c2d-1', key);
    client.on('message', (msg: InstanceType<typeof Message>) => {
      received.push({ data: msg.getData().toString(), messageId: msg.messageId, color: msg.properties.getValue('color') });
      void client.complete(msg);
    });
    await eventually(() => (received.length === 1 ? true : undefined), { description: 'queued C2D' });
    expect(received[0]).toEqual({ data: 'while-offline', messageId: 'off-1', color: 'blue' });
    await cloud.rest('POST', '/devices/c2d-1/messages/deviceBound', 'while-online', { 'iothub-messageid': 'on-1' });
    await eventually(() => (received.length === 2 ? true : undefined), { description: 'online C2D' });
    await client.close();
    await cloud.rest('POST', '/devices/c2d-1/messages/deviceBound', 'after-reconnect', { 'iothub-messageid': 're-1' });
    await client.open(); // the persistent session kept the C2D subscription
    await eventually(() => (received.length === 3 ? true : undefined), { description: 'C2D after reconnect' });
    expect(received.map((r) => r.messageId)).toEqual(['off-1', 'on-1', 're-1']);
    const device = await cloud.rest('GET', '/devices/c2d-1');
    expect((device.body as { cloudToDeviceMessageCount: number }).cloudToDeviceMessageCount).toBe(0);
  });

  it('refuses a disabled device, wrong and expired tokens, without disturbing connected devices', async () => {
    const key = await cloud.createDevice('ok-1');
    const offKey = await cloud.createDevice('off-1', { status: 'disabled' });
    const good = await connect('ok-1', key);
    const disabled = await sdk.device(deviceConnectionString({ hostName: cloud.hostName, deviceId: 'off-1', key: offKey, port: cloud.mqttPort }), { ca: cloud.caPem });
    await expect(disabled.open()).rejects.toThrow(/Not authorized/);
    const wrong = await sdk.device(deviceConnectionString({ hostName: cloud.hostName, deviceId: 'ok-1', key: Buffer.alloc(32, 3).toString('base64'), port: cloud.mqttPort }), { ca: cloud.caPem });
    await expect(wrong.open()).rejects.toThrow(/Not authorized/);
    const expiredSas = `SharedAccessSignature sr=localhost%2Fdevices%2Fok-1&sig=AAAA&se=${Math.floor(Date.now() / 1000) - 3600}`;
    const expired = await sdk.device(`HostName=localhost;DeviceId=ok-1;SharedAccessSignature=${expiredSas};GatewayHostName=localhost:${cloud.mqttPort}`, { ca: cloud.caPem });
    await expect(expired.open()).rejects.toThrow(/Not authorized/);
    await good.sendEvent(new Message('still here'));
    const device = await cloud.rest('GET', '/devices/ok-1');
    expect((device.body as { connectionState: string }).connectionState).toBe('Connected');
  });
});

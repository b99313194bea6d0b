import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { certificateThumbprint, issueClientCert } from '@verge/platform';
import type { IssuedCertificate } from '@verge/platform';
import { Message, SdkClients, deviceConnectionString, updateReported } from './sdk-support/sdk-clients.js';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';

// X.509 (self-signed, thumbprint) devices with the unmodified SDK: `Client.fromConnectionString('HostName=…;
// DeviceId=…;x509=true', Mqtt)` + `setOptions({ cert, key, ca })`.

let cloud: TestCloud;
let cert: IssuedCertificate;
const sdk = new SdkClients();
beforeAll(async () => {
  cloud = await startTestCloud();
  cert = await issueClientCert({ commonName: 'x509-1', validityDays: 1 });
  await cloud.createX509Device('x509-1', certificateThumbprint(cert.certificatePem).sha1);
});
afterEach(async () => {
  await sdk.closeAll();
});
afterAll(async () => {
  await cloud.stop();
});

const cs = (deviceId: string) => deviceConnectionString({ hostName: cloud.hostName, deviceId, port: cloud.mqttPort, x509: true });

describe('Azure IoT device SDK → cloud (X.509 self-signed)', () => {
  it('sends telemetry, reports twin properties and answers a method', async () => {
    const events = await cloud.openEvents('?deviceId=x509-1');
    const client = await sdk.device(cs('x509-1'), { ca: cloud.caPem, cert: cert.certificatePem, key: cert.privateKeyPem });
    await client.open();
    const m = new Message('x509 telemetry');
    m.properties.add('auth', 'x509');
    await client.sendEvent(m);
    await eventually(() => events.messages.length > 0, { description: 'the telemetry on /events' });
    expect(events.messages[0]).toMatchObject({ deviceId: 'x509-1', properties: { auth: 'x509' }, systemProperties: { connectionDeviceId: 'x509-1' } });
    const twin = await client.getTwin();
    await updateReported(twin, { cert: 'ok' });
    const viaRest = await cloud.rest('GET', '/twins/x509-1');
    expect((viaRest.body as { properties: { reported: Record<string, unknown> } }).properties.reported['cert']).toBe('ok');
    client.onDeviceMethod('identify', (_req, res) => void res.send(200, { cn: 'x509-1' }));
    await cloud.subscribed('x509-1', '$iothub/methods/POST/');
    const answer = await cloud.rest('POST', '/twins/x509-1/methods', { methodName: 'identify', responseTimeoutInSeconds: 5 });
    expect(answer).toEqual({ status: 200, body: { status: 200, payload: { cn: 'x509-1' } } });
  });

  it('connects over MQTT/WebSockets on the HTTPS port with its certificate, as IoT Hub allows on 443', async () => {
    // The SDK's MqttWs dials port 443 only (reference §1): mqtt.js makes the same wss connection to the test port.
    const client = await mqtt.connectAsync(`wss://localhost:${cloud.ports.https}/$iothub/websocket`, {
      clientId: 'x509-1',
      username: `${cloud.hostName}/x509-1/?api-version=2021-04-12`,
      protocolVersion: 4,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ca: cloud.caPem,
      cert: cert.certificatePem,
      key: cert.privateKeyPem,
    });
    try {
      await client.publishAsync('devices/x509-1/messages/events/via=wss', 'over websockets', { qos: 1 });
      const stored = await eventually(async () => (await cloud.messages('&deviceId=x509-1')).find((m) => m.properties['via'] === 'wss'), {
        description: 'the WebSocket telemetry stored',
      });
      expect(stored.systemProperties).toMatchObject({ connectionDeviceId: 'x509-1' });
    } finally {
      await client.endAsync(true);
    }
  });

  it('refuses a certificate whose thumbprint is not registered', async () => {
    const other = await issueClientCert({ commonName: 'x509-1', validityDays: 1 });
    const client = await sdk.device(cs('x509-1'), { ca: cloud.caPem, cert: other.certificatePem, key: other.privateKeyPem });
    await expect(client.open()).rejects.toThrow(/Not authorized/);
  });
});

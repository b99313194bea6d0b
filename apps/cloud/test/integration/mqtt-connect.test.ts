import { connect as netConnect } from 'node:net';
import type { IPublishPacket } from 'mqtt-packet';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { certificateThumbprint, issueClientCert } from '@verge/platform';
import { FakeServices, PRIMARY_KEY, sasIdentity } from './mqtt-support/fake-services.js';
import { eventually } from '@verge/testkit';
import { identityToken, nowSec, sasCredentials, usernameOf } from '@verge/testkit/mqtt';
import { HUB, credentials, makeTls, startHarness } from './mqtt-support/endpoint-harness.js';
import type { Harness } from './mqtt-support/endpoint-harness.js';

let tls: Awaited<ReturnType<typeof makeTls>>;
let h: Harness | undefined;
beforeAll(async () => {
  tls = await makeTls();
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** `clientId`'s user name with `password`: a token that may be wrong for it. */
const presenting = (clientId: string, password: string) => sasCredentials({ host: HUB, clientId, password });

function servicesWith(...ids: string[]): FakeServices {
  const s = new FakeServices();
  for (const id of ids) {
    const [d = '', m] = id.split('/');
    s.addIdentity(sasIdentity(d, m));
  }
  return s;
}

describe('device endpoint: CONNECT', () => {
  it('accepts a SAS device, reports the connection state and keeps the session (clean=false)', async () => {
    h = await startHarness({ tls, services: servicesWith('d1') });
    const c = await h.open();
    const first = await c.connack(credentials('d1'));
    expect(first).toMatchObject({ returnCode: 0, sessionPresent: false });
    expect(h.endpoint.gateway.isConnected({ deviceId: 'd1' })).toBe(true);
    expect(await c.subscribe('$iothub/methods/POST/#', 0)).toBe(0);
    c.send({ cmd: 'disconnect' });
    expect(await c.waitClosed()).toBe(true);
    await eventually(() => h!.services.connectionEvents.length === 2, { description: 'disconnect recorded', timeoutMs: 2000 });
    expect(h.services.connectionEvents).toEqual([{ id: 'd1', connected: true }, { id: 'd1', connected: false }]);
    expect(h.endpoint.gateway.isConnected({ deviceId: 'd1' })).toBe(false);
    const again = await h.open();
    expect(await again.connack(credentials('d1'))).toMatchObject({ returnCode: 0, sessionPresent: true });
  });

  it('discards a clean session', async () => {
    h = await startHarness({ tls, services: servicesWith('d1') });
    const c = await h.connected('d1', { clean: true });
    await c.subscribe('$iothub/methods/POST/#', 0);
    c.destroy();
    await eventually(() => !h!.endpoint.gateway.isConnected({ deviceId: 'd1' }));
    const again = await h.open();
    expect(await again.connack(credentials('d1'))).toMatchObject({ returnCode: 0, sessionPresent: false });
  });

  it.each([
    ['unknown device', 'ghost', () => identityToken({ host: HUB, deviceId: 'ghost', key: PRIMARY_KEY }), 5],
    ['disabled device', 'off', () => identityToken({ host: HUB, deviceId: 'off', key: PRIMARY_KEY }), 5],
    ['wrong key', 'd1', () => identityToken({ host: HUB, deviceId: 'd1', key: Buffer.alloc(32, 7).toString('base64') }), 4],
    ['expired token', 'd1', () => identityToken({ host: HUB, deviceId: 'd1', key: PRIMARY_KEY, expirySec: nowSec() - 600 }), 4],
    ['token of another device', 'd1', () => identityToken({ host: HUB, deviceId: 'd2', key: PRIMARY_KEY }), 4],
  ])('refuses %s with CONNACK %#, closing only that client', async (_name, clientId, password, code) => {
    const services = servicesWith('d1', 'd2');
    services.addIdentity(sasIdentity('off', undefined, 'disabled'));
    h = await startHarness({ tls, services });
    const bystander = await h.connected('d2');
    const c = await h.open();
    expect((await c.connack(presenting(clientId, password()))).returnCode).toBe(code);
    expect(await c.waitClosed()).toBe(true);
    expect(services.connectionEvents).toEqual([{ id: 'd2', connected: true }]);
    expect(await bystander.ping()).toBe('pong');
  });

  it('refuses MQTT 3.1 and MQTT 5 with CONNACK 1', async () => {
    h = await startHarness({ tls, services: servicesWith('d1') });
    for (const protocolVersion of [3, 5] as const) {
      const c = await h.open();
      expect((await c.connack(credentials('d1'), { protocolVersion })).returnCode).toBe(1);
      expect(await c.waitClosed()).toBe(true);
    }
  });

  it('hands the session over to a second connection with the same client id', async () => {
    h = await startHarness({ tls, services: servicesWith('d1') });
    const first = await h.connected('d1');
    await first.subscribe('$iothub/methods/POST/#', 0);
    const second = await h.connected('d1');
    expect(await first.waitClosed()).toBe(true);
    // The session (with its method subscription) moved to the new connection.
    const call = h.endpoint.gateway.invokeMethod({ deviceId: 'd1' }, 'ping', {}, 2000);
    const req = await second.next<IPublishPacket>((p) => p.cmd === 'publish');
    await second.publish(`$iothub/methods/res/200/?$rid=${/\$rid=(.+)$/.exec(req.topic)?.[1] ?? ''}`, '"pong"', 0);
    expect(await call).toEqual({ status: 200, payload: 'pong' });
    // Checked after the round trip through the server, which has long handled the first socket's close by then:
    // the handover never marked the device disconnected.
    expect(h.endpoint.gateway.isConnected({ deviceId: 'd1' })).toBe(true);
    expect(h.services.connectionEvents).toEqual([{ id: 'd1', connected: true }, { id: 'd1', connected: true }]);
  });

  it('authenticates self-signed X.509 devices by thumbprint', async () => {
    const cert = await issueClientCert({ commonName: 'x1', validityDays: 1 });
    const services = servicesWith();
    services.addIdentity({
      deviceId: 'x1',
      status: 'enabled',
      authentication: { type: 'selfSigned', primaryThumbprint: certificateThumbprint(cert.certificatePem).sha1, secondaryThumbprint: '' },
      isEdge: false,
    });
    h = await startHarness({ tls, services });
    const x509 = { clientId: 'x1', username: usernameOf(HUB, 'x1') };
    const ok = await h.open({ cert: cert.certificatePem, key: cert.privateKeyPem });
    expect((await ok.connack(x509)).returnCode).toBe(0);
    const other = await issueClientCert({ commonName: 'x1', validityDays: 1 });
    const bad = await h.open({ cert: other.certificatePem, key: other.privateKeyPem });
    expect((await bad.connack(x509)).returnCode).toBe(4);
    const none = await h.open();
    expect((await none.connack(x509)).returnCode).toBe(4);
  });

  it('closes a connection whose SAS token expired', async () => {
    h = await startHarness({ tls, services: servicesWith('d1') });
    const c = await h.open();
    const token = identityToken({ host: HUB, deviceId: 'd1', key: PRIMARY_KEY, expirySec: nowSec() + 30 });
    expect((await c.connack(presenting('d1', token), { keepalive: 1177 })).returnCode).toBe(0);
    h.clock.offsetMs = 340_000; // past expiry + the 300 s skew IoT Hub tolerates
    expect(await c.waitClosed(2000)).toBe(true);
  });
});

describe('device endpoint: registry changes', () => {
  it('disconnects a device when it is disabled, when its keys no longer match, and when it is deleted', async () => {
    const services = new FakeServices({ persistSessions: true });
    services.addIdentity(sasIdentity('d1'));
    services.addIdentity(sasIdentity('d2'));
    services.addIdentity(sasIdentity('d3'));
    h = await startHarness({ tls, services });
    const [c1, c2, c3] = [await h.connected('d1'), await h.connected('d2'), await h.connected('d3')];
    await c3.subscribe('$iothub/methods/POST/#', 0);
    expect(services.storedSessions.has('d3')).toBe(true);
    const rotated = (primaryKey: string) => ({ type: 'sas' as const, primaryKey, secondaryKey: Buffer.alloc(32, 5).toString('base64') });
    // d1 keeps its primary key (only the secondary rotates): it stays connected. d2's primary changes: dropped.
    services.changeIdentity({ deviceId: 'd1' }, { ...sasIdentity('d1'), authentication: rotated(PRIMARY_KEY) });
    services.changeIdentity({ deviceId: 'd2' }, { ...sasIdentity('d2'), authentication: rotated(Buffer.alloc(32, 4).toString('base64')) });
    expect(await c2.waitClosed()).toBe(true);
    expect(await c1.ping()).toBe('pong');
    services.changeIdentity({ deviceId: 'd1' }, sasIdentity('d1', undefined, 'disabled'));
    expect(await c1.waitClosed()).toBe(true);
    services.changeIdentity({ deviceId: 'd3' }, undefined);
    expect(await c3.waitClosed()).toBe(true);
    expect(services.storedSessions.has('d3')).toBe(false);
  });

  it('disconnects a device disabled or deleted while its CONNECT was being authenticated (its lookup read the record before the change)', async () => {
    const services = servicesWith('d1', 'd2');
    const read = services.getAuthRecord.bind(services);
    const held = new Map<string, () => void>();
    // Each lookup reads the registry at once, then answers only when the test releases it: the change lands in between.
    services.getAuthRecord = async (id) => {
      const record = await read(id);
      await new Promise<void>((release) => held.set(id.deviceId, release));
      return record;
    };
    h = await startHarness({ tls, services });
    const [c1, c2] = [await h.open(), await h.open()];
    const connacks = [c1.connack(credentials('d1')), c2.connack(credentials('d2'))];
    await eventually(() => held.size === 2, { description: 'both lookups in flight' });
    services.changeIdentity({ deviceId: 'd1' }, sasIdentity('d1', undefined, 'disabled'));
    services.changeIdentity({ deviceId: 'd2' }, undefined);
    services.getAuthRecord = read;
    for (const release of held.values()) release();
    // Accepted on the records read before the change, the connections are closed at once (the CONNACK may not get out).
    await Promise.allSettled(connacks);
    expect(await c1.waitClosed()).toBe(true);
    expect(await c2.waitClosed()).toBe(true);
  });
});

describe('device endpoint: hostile and broken clients', () => {
  it('closes a client that sends no CONNECT, and one whose first packet is not CONNECT', async () => {
    h = await startHarness({ tls, services: servicesWith('d1'), limits: { connectTimeoutMs: 200 } });
    const silent = await h.open();
    expect(await silent.waitClosed(2000)).toBe(true);
    const rude = await h.open();
    rude.send({ cmd: 'pingreq' });
    expect(await rude.waitClosed(2000)).toBe(true);
  });

  it('drops a client that stops sending within 1.5 × its keep-alive', async () => {
    h = await startHarness({ tls, services: servicesWith('d1') });
    const c = await h.connected('d1', { keepalive: 1 });
    const started = Date.now();
    expect(await c.waitClosed(3000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });

  it('survives garbage: plain bytes on the TLS port, garbage after TLS, malformed packets after CONNECT', async () => {
    h = await startHarness({ tls, services: servicesWith('d1', 'd2') });
    const bystander = await h.connected('d2');
    const plain = netConnect({ host: '127.0.0.1', port: h.port });
    plain.on('error', () => undefined);
    plain.write(Buffer.from('GET / HTTP/1.1\r\n\r\n\u0000\u00ff garbage'));
    await new Promise((r) => plain.once('close', r));
    const garbage = await h.open();
    garbage.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(await garbage.waitClosed()).toBe(true);
    const malformed = await h.connected('d1');
    malformed.send(Buffer.from([0x82, 0x02, 0x00, 0x01])); // SUBSCRIBE with no topic filter
    expect(await malformed.waitClosed()).toBe(true);
    const badFlags = await h.connected('d1');
    badFlags.send(Buffer.from([0xc1, 0x00])); // PINGREQ with reserved flags set (MQTT-2.2.2-2)
    expect(await badFlags.waitClosed()).toBe(true);
    const qos2 = await h.connected('d1');
    qos2.send({ cmd: 'publish', topic: 'devices/d1/messages/events/', payload: 'x', qos: 2, messageId: 3, dup: false, retain: false });
    expect(await qos2.waitClosed()).toBe(true);
    expect(await bystander.ping()).toBe('pong');
  });

  it('bounds pending handshakes and recovers when they time out', async () => {
    h = await startHarness({ tls, services: servicesWith('d1'), limits: { maxPendingHandshakes: 5, tlsHandshakeTimeoutMs: 300 } });
    const idle = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = netConnect({ host: '127.0.0.1', port: h!.port });
        s.on('error', () => undefined);
        await new Promise((r) => s.once('connect', r));
        return s;
      }),
    );
    await eventually(() => h!.endpoint.stats().pendingHandshakes === 5);
    const extra = netConnect({ host: '127.0.0.1', port: h.port });
    extra.on('error', () => undefined);
    await new Promise((r) => extra.once('close', r)); // refused at once
    await Promise.all(idle.map((s) => new Promise((r) => (s.destroyed ? r(undefined) : s.once('close', r)))));
    const c = await h.connected('d1');
    expect(await c.ping()).toBe('pong');
  });

  it('refuses an oversized packet before CONNECT', async () => {
    h = await startHarness({ tls, services: servicesWith('d1') });
    const c = await h.open();
    c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'd1', clean: false, keepalive: 60, username: 'x'.repeat(20_000) });
    expect(await c.waitClosed()).toBe(true);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { topics } from '@verge/contracts';
import { ensureCloudPki, type CloudPki } from '@verge/platform';
import { createDeviceClient, type ConnectedEvent } from '@verge/device-client';
import { eventually } from '@verge/testkit';

// A plain MQTT broker over TLS whose sessions live in memory: restarting it loses every session, which is what
// the client must survive by subscribing again (azure-sdk-protocol.md §0.3: the SDK does not).

interface Broker {
  readonly aedes: Aedes;
  readonly server: Server;
  readonly port: number;
  readonly subscriptions: string[];
  readonly connects: { clientId: string; username: string | undefined; clean: boolean }[];
}

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function startBroker(pki: CloudPki, port = 0): Promise<Broker> {
  const aedes = await Aedes.createBroker();
  const subscriptions: string[] = [];
  const connects: Broker['connects'] = [];
  aedes.authenticate = (client, username, _password, done) => {
    connects.push({ clientId: client.id, username, clean: client.clean });
    done(null, true);
  };
  aedes.on('subscribe', (subs) => subscriptions.push(...subs.map((s) => s.topic)));
  const server = createServer({ key: pki.serverKeyPem, cert: pki.serverCertChainPem }, (socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { aedes, server, port: (server.address() as AddressInfo).port, subscriptions, connects };
}

async function stopBroker(b: Broker): Promise<void> {
  await new Promise<void>((resolve) => b.aedes.close(() => resolve()));
  await new Promise<void>((resolve) => b.server.close(() => resolve()));
}

describe('device client and a broker that forgets sessions', () => {
  it('subscribes again on a new session and re-sends unanswered twin requests', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verge-dc-pki-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const pki = await ensureCloudPki({ dir, hostname: 'localhost' });
    let broker = await startBroker(pki);
    cleanup.push(() => stopBroker(broker));
    const client = createDeviceClient({
      hubHostName: 'hub.example',
      deviceId: 'edge1',
      moduleId: '$edgeAgent',
      host: 'localhost',
      port: broker.port,
      ca: pki.caPem,
      credential: { kind: 'sasKey', key: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' },
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    onTestFinished(() => client.close());
    const connected: ConnectedEvent[] = [];
    client.on('connected', (e) => connected.push(e));
    client.onMethod(() => ({ status: 200 }));
    client.onDesiredPatch(() => undefined);
    client.onInputMessage(() => undefined);
    await client.connect({ timeoutMs: 5_000 });
    await eventually(() => (broker.subscriptions.length === 3 ? true : undefined), { description: 'three subscriptions', timeoutMs: 5_000 });
    expect(broker.connects[0]).toEqual({
      clientId: 'edge1/$edgeAgent',
      username: 'hub.example/edge1/$edgeAgent/?api-version=2021-04-12&DeviceClientType=verge-device-client%2F0.1.0',
      clean: false,
    });
    expect(broker.subscriptions).toEqual([topics.sub.twinDesiredPatches, topics.sub.methodRequests, topics.sub.moduleInputs('edge1', '$edgeAgent')]);

    // The broker goes away with every session; a twin GET issued meanwhile is answered after the reconnect.
    const port = broker.port;
    await stopBroker(broker);
    broker = await startBroker(pki, port);
    let seenGets = 0;
    let subscribedAtGet: string[] = [];
    broker.aedes.on('publish', (packet, c) => {
      if (c === null || !packet.topic.startsWith('$iothub/twin/GET/')) return;
      seenGets += 1;
      subscribedAtGet = [...broker.subscriptions];
      const rid = new URLSearchParams(packet.topic.slice(packet.topic.indexOf('?') + 1)).get('$rid') ?? '';
      broker.aedes.publish({ cmd: 'publish', topic: topics.twinResponse(200, rid), payload: Buffer.from('{"desired":{"$version":3},"reported":{"$version":1}}'), qos: 0, retain: false, dup: false }, () => undefined);
    });
    const twin = await client.getTwin({ timeoutMs: 5_000 });
    expect(twin).toEqual({ desired: { $version: 3 }, reported: { $version: 1 } });
    expect(seenGets).toBe(1);
    expect(connected.at(-1)).toEqual({ reason: 'reconnect', sessionPresent: false });
    await eventually(() => (broker.subscriptions.length === 4 ? true : undefined), { description: 'four subscriptions', timeoutMs: 5_000 });
    expect(new Set(broker.subscriptions)).toEqual(
      new Set([topics.sub.twinResponses, topics.sub.twinDesiredPatches, topics.sub.methodRequests, topics.sub.moduleInputs('edge1', '$edgeAgent')]),
    );
    // Desired patches are subscribed before the GET goes out: a patch made after the GET was read is not missed.
    expect(subscribedAtGet).toEqual([topics.sub.twinDesiredPatches, topics.sub.twinResponses]);
  });

  it('acknowledges input messages only after the listener settled, and redelivers on a listener failure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verge-dc-pki-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const pki = await ensureCloudPki({ dir, hostname: 'localhost' });
    const broker = await startBroker(pki);
    cleanup.push(() => stopBroker(broker));
    const client = createDeviceClient({
      hubHostName: 'hub.example',
      deviceId: 'edge1',
      moduleId: 'filter',
      host: 'localhost',
      port: broker.port,
      ca: pki.caPem,
      credential: { kind: 'sasKey', key: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' },
      reconnect: { initialDelayMs: 50, maxDelayMs: 100 },
    });
    onTestFinished(() => client.close());
    const received: string[] = [];
    let failOnce = true;
    client.onInputMessage(async (m) => {
      const body = Buffer.from(m.body).toString();
      received.push(`${m.inputName}:${body}`);
      if (body === 'b' && failOnce) {
        failOnce = false;
        throw new Error('cannot take it now');
      }
      // A listener may send and await its own event while the delivery waits for its PUBACK.
      await client.sendEvent({ body: `echo-${body}`, outputName: 'out' });
    });
    await client.connect({ timeoutMs: 5_000 });
    await eventually(() => (broker.subscriptions.length === 1 ? true : undefined), { description: 'inputs subscription', timeoutMs: 5_000 });
    const echoes: string[] = [];
    broker.aedes.on('publish', (packet, c) => {
      if (c !== null && packet.topic.includes('/messages/events/')) echoes.push(packet.payload.toString());
    });
    for (const body of ['a', 'b', 'c']) {
      broker.aedes.publish({ cmd: 'publish', topic: topics.moduleInput('edge1', 'filter', 'in1', { properties: { k: 'v' } }), payload: Buffer.from(body), qos: 1, retain: false, dup: false }, () => undefined);
    }
    await eventually(() => (echoes.includes('echo-b') && echoes.includes('echo-c') ? true : undefined), { description: 'redelivery', timeoutMs: 8_000 });
    expect(received.slice(0, 2)).toEqual(['in1:a', 'in1:b']);
    expect(received.filter((r) => r === 'in1:b')).toHaveLength(2);
    expect(echoes[0]).toBe('echo-a');
  });
});

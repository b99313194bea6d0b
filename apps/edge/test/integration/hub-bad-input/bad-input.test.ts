import { connect as netConnect } from 'node:net';
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message as SdkMessage } from 'azure-iot-device';
import { eventually } from '@verge/testkit';
import { EDGE_ID, HubFixture, Message } from '../hub-support/hub-fixture.js';
import { MqttProbe, connectPacket as connectFor, identityToken, nowSec, sasCredentials } from '@verge/testkit/mqtt';

function sendOutput(client: { sendOutputEvent(o: string, m: SdkMessage, cb: (err?: Error) => void): void }, output: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => client.sendOutputEvent(output, new Message(body), (err) => (err ? reject(err) : resolve())));
}

describe('edge hub: bad input is refused clearly and hurts no other client', () => {
  let f: HubFixture;
  const received: string[] = [];
  let sendA: (body: string) => Promise<void>;

  beforeAll(async () => {
    f = await HubFixture.create();
    await f.startHub();
    await eventually(() => (f.hub?.status().routes === 4 ? true : undefined), { description: 'routes', timeoutMs: 10_000 });
    const a = await f.module('modA');
    const b = await f.module('modB');
    b.on('inputMessage', (_i: string, m: SdkMessage) => {
      received.push(m.getData().toString());
      b.complete(m, () => undefined);
    });
    sendA = (body) => sendOutput(a, 'out1', body);
    await f.subscribed(`${EDGE_ID}/modB`, `devices/${EDGE_ID}/modules/modB/inputs/`);
  });

  afterAll(async () => {
    await f?.dispose();
  });

  /** The live SDK modules still exchange messages. */
  async function stillServing(tag: string): Promise<void> {
    await sendA(tag);
    await eventually(() => (received.includes(tag) ? true : undefined), { description: `message '${tag}' between the healthy modules`, timeoutMs: 5_000 });
  }

  const connectPacket = (clientId: string, password: string): Packet => connectFor(sasCredentials({ host: f.cloud.hostName, clientId, password }));
  const modAToken = () => identityToken({ host: f.cloud.hostName, deviceId: EDGE_ID, moduleId: 'modA', key: f.moduleKeys.get('modA') ?? '', expirySec: nowSec() + 600 });

  it('drops plain-text garbage on the TLS port', async () => {
    const sock = netConnect({ host: '127.0.0.1', port: f.hubPort });
    sock.on('error', () => undefined);
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => (sock.destroyed || sock.readableEnded ? true : undefined), { description: 'the socket closed', timeoutMs: 5_000 });
    sock.destroy();
    await stillServing('after-plaintext');
  });

  it('closes a TLS connection that sends bytes that are not MQTT', async () => {
    const c = await MqttProbe.open({ port: f.hubPort, ca: f.edgeCa.certificatePem });
    c.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]));
    expect(await c.waitClosed()).toBe(true);
    await stillServing('after-garbage');
  });

  it('refuses a wrong token with CONNACK 4 and another device\'s module with CONNACK 5', async () => {
    const bad = await MqttProbe.open({ port: f.hubPort, ca: f.edgeCa.certificatePem });
    bad.send(connectPacket(`${EDGE_ID}/modA`, 'SharedAccessSignature sr=x&sig=y&se=1'));
    expect(await bad.waitClosed()).toBe(true);
    expect(bad.packets[0]).toMatchObject({ cmd: 'connack', returnCode: 4 });
    const other = await MqttProbe.open({ port: f.hubPort, ca: f.edgeCa.certificatePem });
    other.send(connectPacket('otherEdge/modA', modAToken()));
    expect(await other.waitClosed()).toBe(true);
    expect(other.packets[0]).toMatchObject({ cmd: 'connack', returnCode: 5 });
    await stillServing('after-bad-tokens');
  });

  it('closes a client that publishes an oversized message, without PUBACK, and stores nothing of it', async () => {
    const c = await MqttProbe.open({ port: f.hubPort, ca: f.edgeCa.certificatePem });
    c.send(connectPacket(`${EDGE_ID}/modA`, modAToken()));
    await eventually(() => c.packets.find((p) => p.cmd === 'connack'), { description: 'CONNACK', timeoutMs: 5_000 });
    const before = f.hub?.status().counters.received ?? 0;
    c.send({ cmd: 'publish', topic: `devices/${EDGE_ID}/modules/modA/messages/events/%24.on=out1/`, payload: Buffer.alloc(300 * 1024, 1), qos: 1, messageId: 7, dup: false, retain: false });
    expect(await c.waitClosed()).toBe(true);
    expect(c.packets.some((p) => p.cmd === 'puback')).toBe(false);
    expect(f.hub?.status().counters.received).toBe(before);
    await stillServing('after-oversize');
  });

  it('drops, as permanent, a leaf message whose properties cannot be re-encoded upstream, and the upstream queue moves on', async () => {
    // Found by hand: commas sent raw (legal at the hub) are percent-encoded upstream, a 30,000-byte property became a
    // 90,032-byte topic, over MQTT's 65,535; the send failed as retryable for ever and blocked every sender's telemetry.
    const leaf = await MqttProbe.open({ port: f.hubPort, ca: f.edgeCa.certificatePem });
    leaf.send(connectPacket('leaf1', identityToken({ host: f.cloud.hostName, deviceId: 'leaf1', key: f.leafKey, expirySec: nowSec() + 600 })));
    await eventually(() => leaf.packets.find((p) => p.cmd === 'connack'), { description: 'CONNACK', timeoutMs: 5_000 });
    expect(await leaf.publish(`devices/leaf1/messages/events/k=${','.repeat(30_000)}`, 'unencodable')).toBe('acked');
    const a = await f.module('modA');
    await new Promise<void>((resolve, reject) => a.sendOutputEvent('up', new Message('behind-unencodable'), (err) => (err ? reject(err) : resolve())));
    await eventually(async () => (await f.cloud.messages(`&deviceId=${EDGE_ID}&moduleId=modA`)).length > 0, { description: "modA's message behind it at the cloud", timeoutMs: 10_000 });
    const upstream = f.hub?.status().endpoints.find((e) => e.endpointId === '$upstream');
    expect(upstream?.priorities.reduce((n, p) => n + p.droppedPermanent, 0)).toBe(1);
    expect(upstream?.lastError ?? '').not.toContain('exceeds');
    leaf.end();
  });

  it('drops, as permanent, a module message whose properties cannot be re-encoded for a module input, and the input moves on', async () => {
    // The same raw commas routed to modB's input: the hub's input topic was over 65,535 bytes and the input's pump
    // retried it for ever, so modB got nothing more.
    const a = await MqttProbe.open({ port: f.hubPort, ca: f.edgeCa.certificatePem });
    a.send(connectPacket(`${EDGE_ID}/modA`, modAToken()));
    await eventually(() => a.packets.find((p) => p.cmd === 'connack'), { description: 'CONNACK', timeoutMs: 5_000 });
    expect(await a.publish(`devices/${EDGE_ID}/modules/modA/messages/events/%24.on=out1&k=${','.repeat(30_000)}`, 'unencodable')).toBe('acked');
    a.end();
    await stillServing('behind-unencodable-input');
    expect(received).not.toContain('unencodable');
    const input = f.hub?.status().endpoints.find((e) => e.endpointId === '/modules/modB/inputs/in1');
    expect(input?.priorities.reduce((n, p) => n + p.droppedPermanent, 0)).toBe(1);
  });

  it('closes a client that publishes as another module, and one with a malformed packet length', async () => {
    const c = await MqttProbe.open({ port: f.hubPort, ca: f.edgeCa.certificatePem });
    c.send(connectPacket(`${EDGE_ID}/modA`, modAToken()));
    await eventually(() => c.packets.find((p) => p.cmd === 'connack'), { description: 'CONNACK', timeoutMs: 5_000 });
    c.send({ cmd: 'publish', topic: `devices/${EDGE_ID}/modules/modB/messages/events/`, payload: Buffer.from('spoof'), qos: 1, messageId: 1, dup: false, retain: false });
    expect(await c.waitClosed()).toBe(true);
    expect(c.packets.some((p) => p.cmd === 'puback')).toBe(false);

    const d = await MqttProbe.open({ port: f.hubPort, ca: f.edgeCa.certificatePem });
    d.send(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])); // remaining length over 4 bytes (MQTT-2.2.3)
    expect(await d.waitClosed()).toBe(true);
    await stillServing('after-malformed');
  });
});

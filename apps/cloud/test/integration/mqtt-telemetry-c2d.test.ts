import type { IPublishPacket, Packet } from 'mqtt-packet';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodePropertyBag } from '@verge/contracts';
import type { Message } from '@verge/contracts';
import { FakeServices, sasIdentity } from './mqtt-support/fake-services.js';
import { eventually } from '@verge/testkit';
import { credentials, makeTls, startHarness } from './mqtt-support/endpoint-harness.js';
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

const C2D = 'devices/d1/messages/devicebound/';
const isC2d = (p: Packet): boolean => p.cmd === 'publish' && p.topic.startsWith(C2D);
const msg = (text: string, props: Record<string, string> = {}, sys: Record<string, string> = {}): Message => ({
  body: Buffer.from(text),
  properties: props,
  systemProperties: sys,
});

async function setup(limits = {}): Promise<Harness> {
  const services = new FakeServices();
  services.addIdentity(sasIdentity('d1'));
  services.addIdentity(sasIdentity('d1', 'm1'));
  return startHarness({ tls, services, limits });
}

describe('device endpoint: telemetry', () => {
  it('stores device and module telemetry with identities, properties and enqueued time, then PUBACKs', async () => {
    h = await setup();
    const d = await h.connected('d1');
    expect(await d.publish('devices/d1/messages/events/%24.mid=m-1&%24.ct=application%2Fjson&%24.ce=utf-8&%24.cdid=forged&alert=high%20temp', '{"t":30}', 1)).toBe('acked');
    const m = await h.connected('d1/m1');
    expect(await m.publish('devices/d1/modules/m1/messages/events/%24.on=out1&k=v/', 'raw', 1)).toBe('acked');
    const [dev, mod] = h.services.telemetry;
    expect(Buffer.from(dev?.body ?? []).toString()).toBe('{"t":30}');
    expect(dev?.properties).toEqual({ alert: 'high temp' });
    expect(dev?.systemProperties).toMatchObject({ messageId: 'm-1', contentType: 'application/json', contentEncoding: 'utf-8', connectionDeviceId: 'd1' });
    expect(Date.parse(dev?.systemProperties['enqueuedTime'] ?? '')).toBeGreaterThan(Date.now() - 5000);
    expect(mod?.systemProperties).toMatchObject({ connectionDeviceId: 'd1', connectionModuleId: 'm1', outputName: 'out1' });
    expect(mod?.properties).toEqual({ k: 'v' });
  });

  it('keeps the RETAIN flag of telemetry as application property mqtt-retain, as IoT Hub does', async () => {
    h = await setup();
    const c = await h.connected('d1');
    c.send({ cmd: 'publish', topic: 'devices/d1/messages/events/k=v', payload: 'kept', qos: 1, messageId: 7, dup: false, retain: true });
    await c.next((p) => p.cmd === 'puback' && p.messageId === 7);
    expect(await c.publish('devices/d1/messages/events/k=v', 'plain', 1)).toBe('acked');
    const [retained, plain] = h.services.telemetry;
    expect(retained?.properties).toEqual({ k: 'v', 'mqtt-retain': 'true' });
    expect(plain?.properties).toEqual({ k: 'v' });
  });

  it('sends the will of a connection that ends without DISCONNECT as telemetry marked iothub-MessageType=Will', async () => {
    h = await setup();
    const will = { topic: 'devices/d1/messages/events/%24.mid=gone&state=offline', payload: 'bye', qos: 1 as const };
    const dropped = await h.connected('d1', { will });
    expect(await dropped.publish('devices/d1/messages/events/', 'alive', 1)).toBe('acked');
    dropped.destroy(); // the network fails: no DISCONNECT
    const sent = await eventually(() => h?.services.telemetry[1], { description: 'the will as telemetry' });
    expect(Buffer.from(sent.body).toString()).toBe('bye');
    expect(sent.properties).toEqual({ state: 'offline', 'iothub-MessageType': 'Will' });
    expect(sent.systemProperties).toMatchObject({ messageId: 'gone', connectionDeviceId: 'd1' });

    const polite = await h.connected('d1', { will });
    polite.send({ cmd: 'disconnect' });
    expect(await polite.waitClosed()).toBe(true);
    const after = await h.connected('d1'); // a round trip on a new connection: the DISCONNECT was handled before it
    expect(await after.ping()).toBe('pong');
    expect(h.services.telemetry).toHaveLength(2);
  });

  it('sends no will for a client disconnected because its identity was deleted or disabled', async () => {
    h = await setup();
    h.services.addIdentity(sasIdentity('d2'));
    const will = { topic: 'devices/d1/messages/events/', payload: 'bye' };
    const deleted = await h.connected('d1', { will });
    const disabled = await h.connected('d2', { will: { ...will, topic: 'devices/d2/messages/events/' } });
    h.services.changeIdentity({ deviceId: 'd1' }, undefined);
    h.services.changeIdentity({ deviceId: 'd2' }, sasIdentity('d2', undefined, 'disabled'));
    expect(await deleted.waitClosed()).toBe(true);
    expect(await disabled.waitClosed()).toBe(true);
    h.services.addIdentity(sasIdentity('d1'));
    expect(await (await h.connected('d1')).ping()).toBe('pong'); // a round trip after both closes were handled
    expect(h.services.telemetry).toEqual([]);
  });

  it("refuses a CONNECT whose will is not the client's own telemetry", async () => {
    h = await setup();
    h.services.addIdentity(sasIdentity('d2'));
    for (const will of [
      { topic: 'devices/d2/messages/events/', payload: 'forged' },
      { topic: '$iothub/twin/GET/?$rid=1', payload: ' ' },
      { topic: 'devices/d1/messages/events/', payload: 'x', qos: 2 as const },
    ]) {
      const c = await h.open();
      expect((await c.connack(credentials('d1'), { will })).returnCode).toBe(5);
    }
    expect(h.services.telemetry).toEqual([]);
  });

  it('accepts 256 KiB and closes the client on a larger body, storing nothing of it', async () => {
    h = await setup();
    const c = await h.connected('d1');
    expect(await c.publish('devices/d1/messages/events/', Buffer.alloc(256 * 1024, 1), 1)).toBe('acked');
    expect(await c.publish('devices/d1/messages/events/', Buffer.alloc(256 * 1024 + 1, 1), 1)).toBe('closed'); // no PUBACK
    expect(await c.waitClosed()).toBe(true);
    expect(h.services.telemetry).toHaveLength(1);
    const big = await h.connected('d1');
    expect(await big.publish('devices/d1/messages/events/', Buffer.alloc(1024 * 1024, 1), 1)).toBe('closed'); // refused from its header
    expect(await big.waitClosed()).toBe(true);
    expect(h.services.telemetry).toHaveLength(1);
  });

  it('does not PUBACK telemetry the services could not store, and closes the client', async () => {
    h = await setup();
    const c = await h.connected('d1');
    h.services.failIngest = true;
    expect(await c.publish('devices/d1/messages/events/', 'x', 1)).toBe('closed');
    expect(await c.waitClosed()).toBe(true);
    expect(c.packets.filter((p) => p.cmd === 'puback')).toEqual([]);
  });

  it('keeps other clients flowing while one client does not read', async () => {
    h = await setup({ maxWriteBufferBytes: 64 * 1024 });
    h.services.addIdentity(sasIdentity('d2'));
    const slow = await h.connected('d1');
    await slow.subscribe('$iothub/twin/res/#', 0);
    slow.pause(); // stops reading: responses pile up in the server's socket buffer
    for (let i = 0; i < 2000; i++) await slow.publish('$iothub/twin/GET/?$rid=' + i, ' ', 0);
    const fast = await h.connected('d2');
    expect(await fast.publish('devices/d2/messages/events/', 'y', 1)).toBe('acked');
    slow.resume();
  });
});

describe('device endpoint: cloud-to-device', () => {
  it('delivers messages queued while offline with their property bag, and completes them on PUBACK', async () => {
    h = await setup();
    h.services.enqueueC2d('d1', msg('hello', { color: 'red', 'a b': 'c&d' }, { messageId: 'mid-1', cid: 'cid-1', contentType: 'text/plain' }));
    const c = await h.connected('d1');
    expect(c.packets.filter(isC2d)).toEqual([]); // nothing before the subscription
    expect(await c.subscribe('devices/d1/messages/devicebound/#', 1)).toBe(1);
    const p = await c.next<IPublishPacket>(isC2d);
    expect(p.qos).toBe(1);
    expect(Buffer.from(p.payload).toString()).toBe('hello');
    const bag = decodePropertyBag(p.topic.slice(C2D.length));
    expect(bag.systemProperties).toMatchObject({ messageId: 'mid-1', cid: 'cid-1', contentType: 'text/plain', to: '/devices/d1/messages/deviceBound' });
    expect(Date.parse(bag.systemProperties['absolute-expiry-time'] ?? '')).toBeGreaterThan(Date.now());
    expect(bag.properties).toEqual({ color: 'red', 'a b': 'c&d' });
    expect(h.services.completed).toEqual([]);
    c.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
    await eventually(() => h!.services.completed.length === 1);
    expect(await h.services.pendingC2d('d1')).toEqual([]);
  });

  it('always puts a / after devicebound, even with an empty bag', async () => {
    h = await setup();
    const c = await h.connected('d1');
    await c.subscribe('devices/d1/messages/devicebound/#', 1);
    h.services.enqueueC2d('d1', msg('x'));
    const p = await c.next<IPublishPacket>(isC2d);
    expect(p.topic.startsWith(C2D)).toBe(true);
  });

  it('delivers at once when online, and again after a reconnect when not acknowledged', async () => {
    h = await setup();
    const c = await h.connected('d1');
    await c.subscribe('devices/d1/messages/devicebound/#', 1);
    const id = h.services.enqueueC2d('d1', msg('once'));
    await c.next(isC2d);
    c.destroy(); // dropped before PUBACK
    const again = await h.connected('d1'); // the session kept the subscription
    const p = await again.next<IPublishPacket>(isC2d);
    expect(Buffer.from(p.payload).toString()).toBe('once');
    again.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
    await eventually(() => h!.services.completed.includes(id));
  });

  it('delivers with QoS 0 to a QoS 0 subscription, completing each message as it is sent (at most once)', async () => {
    h = await setup({ maxInflightC2d: 3 });
    const ids = [0, 1, 2, 3, 4].map((i) => h!.services.enqueueC2d('d1', msg(`q${i}`)));
    const c = await h.connected('d1');
    expect(await c.subscribe('devices/d1/messages/devicebound/#', 0)).toBe(0);
    await eventually(() => c.packets.filter(isC2d).length === 5, { description: 'all five C2D messages, none waiting for a PUBACK' });
    const delivered = c.packets.filter(isC2d) as IPublishPacket[];
    expect(delivered.map((p) => p.qos)).toEqual([0, 0, 0, 0, 0]);
    expect(delivered.map((p) => Buffer.from(p.payload).toString())).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
    await eventually(() => ids.every((id) => h!.services.completed.includes(id)), { description: 'every message completed' });
  });

  it('never delivers expired messages and caps messages in flight', async () => {
    h = await setup({ maxInflightC2d: 3 });
    h.services.enqueueC2d('d1', msg('expired'), -1000);
    for (let i = 0; i < 5; i++) h.services.enqueueC2d('d1', msg(`m${i}`));
    const c = await h.connected('d1');
    await c.subscribe('devices/d1/messages/devicebound/#', 1);
    await eventually(() => c.packets.filter(isC2d).length >= 3, { description: 'the first three C2D messages' });
    // A round trip after them: a fourth message (over the in-flight cap) would have been sent before the PINGRESP.
    expect(await c.ping()).toBe('pong');
    const first = c.packets.filter(isC2d) as IPublishPacket[];
    expect(first.map((p) => Buffer.from(p.payload).toString())).toEqual(['m0', 'm1', 'm2']);
    for (const p of first) c.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
    await eventually(() => c.packets.filter(isC2d).length === 5);
    expect((c.packets.filter(isC2d) as IPublishPacket[]).slice(3).map((p) => Buffer.from(p.payload).toString())).toEqual(['m3', 'm4']);
  });

  it('marks every client disconnected and releases the services on stop', async () => {
    h = await setup();
    await h.connected('d1');
    await h.connected('d1/m1');
    await h.stop();
    expect(h.services.connectionEvents.filter((e) => !e.connected).map((e) => e.id).sort()).toEqual(['d1', 'd1/m1']);
    expect(h.services.listenerCount).toBe(0);
    h = undefined;
  });
});

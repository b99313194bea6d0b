import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ISubackPacket } from 'mqtt-packet';
import { createLogger } from '@verge/platform';
import { eventually, tempDir } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { startCloudWithHub, type CloudWithHub } from '@verge/testkit/edge';
import { rawPublishFrame, sasCredentials, MqttProbe } from '@verge/testkit/mqtt';

// Issue 7, item 3: MQTT 3.1.1 §1.5.3 — a topic (or any text field) that is not well-formed UTF-8 or holds U+0000
// MUST make the server close the connection (MQTT-1.5.3-1/2). Before, the cloud PUBACKed and stored such
// messages. And one SUBSCRIBE of 10,000 filters wrote 10,000 log lines; now the number of filters per packet is
// bounded (beyond: the connection closes) and refusals are one summary line per packet. The checks live in the
// MQTT server core shared by the cloud and the edge hub, so both are exercised.

const events = (d: string): Buffer => Buffer.from(`devices/${d}/messages/events/`);
const INVALID_UTF8 = Buffer.from([0x6b, 0x3d, 0xc3, 0x28]); // "k=" then 0xC3 0x28: a lead byte without continuation
const WITH_NUL = Buffer.from('k=a\0b');

const lines: Record<string, unknown>[] = [];
const log = createLogger({ service: 'cloud', level: 'info', destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } });

describe('bad topics and oversized SUBSCRIBEs (cloud device endpoint)', () => {
  const tmp = tempDir('verge-badtopic-');
  let t: TestCloud;
  let key: string;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'), undefined, { log });
    const d = await t.api.devices.create({ deviceId: 'd1' });
    key = String(d.authentication?.symmetricKey?.primaryKey);
    await t.api.devices.create({ deviceId: 'd2' });
  });
  afterAll(async () => {
    await t?.cloud.stop();
    tmp.cleanup();
  });

  function connected(): Promise<MqttProbe> {
    return MqttProbe.accepted({ port: t.ports.mqtt, ca: t.cloud.caPem }, sasCredentials({ host: 'localhost', clientId: 'd1', key }));
  }

  it.each([
    ['not well-formed UTF-8', INVALID_UTF8],
    ['holding U+0000', WITH_NUL],
  ])('a telemetry topic %s closes the connection: no PUBACK, nothing stored', async (_what, suffix) => {
    const c = await connected();
    c.send(rawPublishFrame(Buffer.concat([events('d1'), suffix]), Buffer.from('{"bad":true}'), 1, 7));
    expect(await c.waitClosed()).toBe(true);
    expect(c.packets.filter((p) => p.cmd === 'puback')).toEqual([]);
    expect(await t.api.recentMessages({ deviceId: 'd1' })).toEqual([]);
  });

  it('a SUBSCRIBE filter that is not well-formed UTF-8 closes the connection without SUBACK', async () => {
    const c = await connected();
    const filter = Buffer.concat([Buffer.from('devices/d1/messages/devicebound/'), Buffer.from([0xff]), Buffer.from('#')]);
    const body = Buffer.concat([Buffer.from([0x00, 0x05, filter.length >> 8, filter.length & 0xff]), filter, Buffer.from([0x01])]);
    c.send(Buffer.concat([Buffer.from([0x82, body.length]), body]));
    expect(await c.waitClosed()).toBe(true);
    expect(c.packets.filter((p) => p.cmd === 'suback')).toEqual([]);
  });

  it('a valid message still goes through afterwards (the device is not penalised)', async () => {
    const c = await connected();
    c.send({ cmd: 'publish', topic: 'devices/d1/messages/events/k=%C3%A9', payload: Buffer.from('{"ok":true}'), qos: 1, messageId: 9, dup: false, retain: false });
    await c.next((p) => p.cmd === 'puback');
    const stored = await eventually(async () => (await t.api.recentMessages({ deviceId: 'd1' })).find((m) => m.properties['k'] === 'é'), { description: 'the valid message', timeoutMs: 30_000 });
    expect(new TextDecoder().decode(stored.body)).toBe('{"ok":true}');
    c.end();
  });

  it('a SUBSCRIBE of 10,000 filters closes the connection with one log line, not 10,000', async () => {
    const c = await connected();
    const before = lines.length;
    // Short filters (not the client's own) so the packet stays within the packet size limit (~90 KB).
    const subscriptions = Array.from({ length: 10_000 }, (_, i) => ({ topic: `x/${i}`, qos: 1 as const }));
    c.send({ cmd: 'subscribe', messageId: 3, subscriptions });
    expect(await c.waitClosed()).toBe(true);
    expect(c.packets.filter((p) => p.cmd === 'suback')).toEqual([]);
    const written = lines.slice(before);
    expect(written.length).toBeLessThanOrEqual(3);
    expect(written.some((l) => l['msg'] === 'SUBSCRIBE with too many filters; closing the client' && l['filters'] === 10_000)).toBe(true);
  });

  it('refused filters within the bound get SUBACK 0x80 and one summary line; the connection stays open', async () => {
    const c = await connected();
    const before = lines.length;
    const subscriptions = Array.from({ length: 16 }, (_, i) => ({ topic: `devices/d2/messages/devicebound/${i}/#`, qos: 1 as const }));
    c.send({ cmd: 'subscribe', messageId: 4, subscriptions });
    const suback = await c.next<ISubackPacket>((p) => p.cmd === 'suback');
    expect(suback.granted).toEqual(Array.from({ length: 16 }, () => 0x80));
    c.send({ cmd: 'pingreq' });
    await c.next((p) => p.cmd === 'pingresp');
    const refusals = lines.slice(before).filter((l) => String(l['msg']).includes('refused'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ msg: 'subscriptions refused', refused: 16, granted: 0 });
    c.end();
  });
});

describe('bad topics (edge hub, the same server core)', () => {
  const tmp = tempDir('verge-badtopic-hub-');
  let s: CloudWithHub;

  beforeAll(async () => {
    s = await startCloudWithHub(tmp.dir);
  });
  afterAll(async () => {
    await s?.stop();
    tmp.cleanup();
  });

  it.each([
    ['not well-formed UTF-8', INVALID_UTF8],
    ['holding U+0000', WITH_NUL],
  ])('a leaf telemetry topic %s closes the connection without PUBACK', async (_what, suffix) => {
    const c = await MqttProbe.accepted({ port: s.edge.ports.mqtt, ca: s.edge.edgeCaPem }, sasCredentials({ host: 'localhost', clientId: s.leaf.deviceId, key: s.leafKey }));
    c.send(rawPublishFrame(Buffer.concat([events(s.leaf.deviceId), suffix]), Buffer.from('{"bad":true}'), 1, 5));
    expect(await c.waitClosed()).toBe(true);
    expect(c.packets.filter((p) => p.cmd === 'puback')).toEqual([]);
  });
});

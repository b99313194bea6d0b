import type { IPublishPacket, Packet } from 'mqtt-packet';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { FakeServices, sasIdentity } from './mqtt-support/fake-services.js';
import { makeTls, startHarness } from './mqtt-support/endpoint-harness.js';
import type { Harness } from './mqtt-support/endpoint-harness.js';
import { SUBACK_FAILURE } from '@verge/testkit/mqtt';
import type { MqttProbe } from '@verge/testkit/mqtt';

let tls: Awaited<ReturnType<typeof makeTls>>;
let h: Harness | undefined;
beforeAll(async () => {
  tls = await makeTls();
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const isPublish = (prefix: string) => (p: Packet): boolean => p.cmd === 'publish' && p.topic.startsWith(prefix);
const body = (p: IPublishPacket): string => Buffer.from(p.payload).toString('utf8');

async function setup(opts: { persistSessions?: boolean } = {}): Promise<Harness> {
  const services = new FakeServices(opts);
  services.addIdentity(sasIdentity('d1'));
  services.addIdentity(sasIdentity('d2'));
  services.addIdentity(sasIdentity('d1', 'm1'));
  return startHarness({ tls, services });
}

async function answerMethod(c: MqttProbe, status: number, payload: string): Promise<IPublishPacket> {
  const req = await c.next<IPublishPacket>(isPublish('$iothub/methods/POST/'));
  const rid = /\?\$rid=(.+)$/.exec(req.topic)?.[1] ?? '';
  await c.publish(`$iothub/methods/res/${status}/?$rid=${rid}`, payload, 0);
  return req;
}

describe('device endpoint: twin', () => {
  it('answers GET with desired and reported, PATCH reported with 204 and the new version', async () => {
    h = await setup();
    const c = await h.connected('d1');
    await c.subscribe('$iothub/twin/res/#', 0);
    await c.publish('$iothub/twin/GET/?$rid=r1', ' ', 0);
    const get = await c.next<IPublishPacket>(isPublish('$iothub/twin/res/'));
    expect(get.topic).toBe('$iothub/twin/res/200/?$rid=r1');
    expect(JSON.parse(body(get))).toEqual({ desired: { $version: 1 }, reported: { $version: 1 } });
    const acked = c.publish('$iothub/twin/PATCH/properties/reported/?$rid=r2', '{"temp":21}', 1);
    const patched = await c.next<IPublishPacket>(isPublish('$iothub/twin/res/'));
    expect(patched.topic).toBe('$iothub/twin/res/204/?$rid=r2&$version=2');
    expect(body(patched)).toBe('');
    expect(await acked).toBe('acked'); // QoS 1 twin requests are acknowledged too
    expect(h.services.twins.get('d1')?.reported).toEqual({ temp: 21, $version: 2 });
  });

  it.each([
    ['not JSON', '{temp', /^reported properties patch is not valid JSON: /],
    ['not an object', '[1,2]', /^reported patch must be a JSON object$/],
  ])('answers a reported patch that is %s with 400 and an errorCode body', async (_name, payload, message) => {
    h = await setup();
    const c = await h.connected('d1');
    await c.subscribe('$iothub/twin/res/#', 0);
    await c.publish('$iothub/twin/PATCH/properties/reported/?$rid=bad', payload, 0);
    const res = await c.next<IPublishPacket>(isPublish('$iothub/twin/res/'));
    expect(res.topic).toBe('$iothub/twin/res/400/?$rid=bad');
    const parsed = JSON.parse(body(res)) as { errorCode: string; message: string };
    expect(parsed.errorCode).toBe('TWIN_PATCH_INVALID');
    expect(parsed.message).toMatch(message);
  });

  it('answers twin requests even when the session lost its twin subscription', async () => {
    h = await setup();
    const c = await h.connected('d1');
    await c.publish('$iothub/twin/GET/?$rid=r9', ' ', 0);
    expect((await c.next<IPublishPacket>(isPublish('$iothub/twin/res/'))).topic).toBe('$iothub/twin/res/200/?$rid=r9');
  });

  it('pushes desired patches to subscribed sessions only, across token renewal and drops', async () => {
    h = await setup();
    const sub = await h.connected('d1');
    const other = await h.connected('d2');
    expect(await sub.subscribe('$iothub/twin/PATCH/properties/desired/#', 0)).toBe(0);
    h.services.patchDesired({ deviceId: 'd1' }, { fan: 'on' });
    const patch = await sub.next<IPublishPacket>(isPublish('$iothub/twin/PATCH/properties/desired/'));
    expect(patch.topic).toBe('$iothub/twin/PATCH/properties/desired/?$version=2');
    expect(JSON.parse(body(patch))).toEqual({ fan: 'on', $version: 2 });
    h.services.patchDesired({ deviceId: 'd2' }, { fan: 'off' });
    // Token renewal: DISCONNECT + CONNECT, no SUBSCRIBE (reference §6).
    sub.send({ cmd: 'disconnect' });
    expect(await sub.waitClosed()).toBe(true);
    const renewed = await h.connected('d1');
    h.services.patchDesired({ deviceId: 'd1' }, { fan: 'auto' });
    expect(JSON.parse(body(await renewed.next<IPublishPacket>(isPublish('$iothub/twin/PATCH/'))))).toEqual({ fan: 'auto', $version: 3 });
    // Unexpected drop.
    renewed.destroy();
    const back = await h.connected('d1');
    h.services.patchDesired({ deviceId: 'd1' }, { fan: 'eco' });
    expect(JSON.parse(body(await back.next<IPublishPacket>(isPublish('$iothub/twin/PATCH/'))))).toEqual({ fan: 'eco', $version: 4 });
    expect(other.messages).toEqual([]);
  });

  it('keeps subscriptions across a cloud restart when the services persist sessions', async () => {
    h = await setup({ persistSessions: true });
    const c = await h.connected('d1');
    await c.subscribe('$iothub/twin/PATCH/properties/desired/#', 0);
    await c.subscribe('$iothub/methods/POST/#', 0);
    const services = h.services;
    await h.stop();
    expect(services.listenerCount).toBe(0);
    h = await startHarness({ tls, services });
    const back = await h.connected('d1');
    expect(back.packets.map((p) => p.cmd)).toEqual(['connack']);
    services.patchDesired({ deviceId: 'd1' }, { x: 1 });
    expect(JSON.parse(body(await back.next<IPublishPacket>(isPublish('$iothub/twin/PATCH/'))))).toEqual({ x: 1, $version: 2 });
    const call = h.endpoint.gateway.invokeMethod({ deviceId: 'd1' }, 'reboot', null, 2000);
    await answerMethod(back, 200, '{}');
    expect(await call).toEqual({ status: 200, payload: {} });
  });
});

describe('device endpoint: direct methods', () => {
  it('invokes a method and returns status and payload', async () => {
    h = await setup();
    const c = await h.connected('d1');
    await c.subscribe('$iothub/methods/POST/#', 0);
    const call = h.endpoint.gateway.invokeMethod({ deviceId: 'd1' }, 'setSpeed', { rpm: 1200 }, 2000);
    const req = await answerMethod(c, 201, '{"ok":true}');
    expect(req.topic).toMatch(/^\$iothub\/methods\/POST\/setSpeed\/\?\$rid=[0-9a-f]+$/);
    expect(JSON.parse(body(req))).toEqual({ rpm: 1200 });
    expect(await call).toEqual({ status: 201, payload: { ok: true } });
  });

  it('invokes module methods', async () => {
    h = await setup();
    const c = await h.connected('d1/m1');
    await c.subscribe('$iothub/methods/POST/#', 0);
    const call = h.endpoint.gateway.invokeMethod({ deviceId: 'd1', moduleId: 'm1' }, 'm', undefined, 2000);
    const req = await answerMethod(c, 200, '');
    expect(body(req)).toBe('null');
    expect(await call).toEqual({ status: 200, payload: null });
  });

  it('rejects with CLD_DEVICE_NOT_CONNECTED when offline or not subscribed, CLD_METHOD_TIMEOUT when unanswered', async () => {
    h = await setup();
    const offline = await h.endpoint.gateway.invokeMethod({ deviceId: 'd2' }, 'x', {}, 1000).catch((e: unknown) => e);
    expect(isVergeError(offline, 'CLD_DEVICE_NOT_CONNECTED')).toBe(true);
    expect((offline as Error).message).toBe("device 'd2' is not connected");
    const c = await h.connected('d1');
    const unsubscribed = await h.endpoint.gateway.invokeMethod({ deviceId: 'd1' }, 'x', {}, 1000).catch((e: unknown) => e);
    expect((unsubscribed as Error).message).toBe("device 'd1' is connected but not subscribed to direct methods ('$iothub/methods/POST/#')");
    await c.subscribe('$iothub/methods/POST/#', 0);
    const started = Date.now();
    const timedOut = await h.endpoint.gateway.invokeMethod({ deviceId: 'd1' }, 'slow', {}, 300).catch((e: unknown) => e);
    expect(isVergeError(timedOut, 'CLD_METHOD_TIMEOUT')).toBe(true);
    expect((timedOut as Error).message).toBe("device 'd1' did not answer method 'slow' within 300 ms");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // The late answer is ignored; the connection stays usable.
    await answerMethod(c, 200, '{}');
    expect(await c.ping()).toBe('pong');
  });

  it('completes an invocation only from the invoked identity', async () => {
    h = await setup();
    const target = await h.connected('d1');
    const intruder = await h.connected('d2');
    await target.subscribe('$iothub/methods/POST/#', 0);
    const call = h.endpoint.gateway.invokeMethod({ deviceId: 'd1' }, 'x', {}, 2000);
    const req = await target.next<IPublishPacket>(isPublish('$iothub/methods/POST/'));
    const rid = /\?\$rid=(.+)$/.exec(req.topic)?.[1] ?? '';
    await intruder.publish(`$iothub/methods/res/500/?$rid=${rid}`, '"forged"', 0);
    // A round trip on the intruder's connection: the server has handled the forged answer once it replies (or closes).
    await intruder.ping();
    await target.publish(`$iothub/methods/res/200/?$rid=${rid}`, '"real"', 0);
    expect(await call).toEqual({ status: 200, payload: 'real' });
  });

  it('rejects a method name that cannot be a topic level', async () => {
    h = await setup();
    const c = await h.connected('d1');
    await c.subscribe('$iothub/methods/POST/#', 0);
    const err = await h.endpoint.gateway.invokeMethod({ deviceId: 'd1' }, 'a/b', {}, 1000).catch((e: unknown) => e);
    expect(isVergeError(err, 'TOPIC_INVALID')).toBe(true);
  });
});

describe('device endpoint: authorization', () => {
  it("refuses other identities' filters in SUBACK and closes on publishing as another device", async () => {
    h = await setup();
    const c = await h.connected('d1');
    expect(await c.subscribe('devices/d2/messages/devicebound/#', 1)).toBe(SUBACK_FAILURE);
    expect(await c.subscribe('#', 0)).toBe(SUBACK_FAILURE);
    expect(await c.subscribe('devices/d1/messages/devicebound/#', 1)).toBe(1);
    const m = await h.connected('d1/m1');
    expect(await m.subscribe('devices/d1/messages/devicebound/#', 1)).toBe(SUBACK_FAILURE);
    expect(await m.subscribe('devices/d1/modules/m1/inputs/#', 1)).toBe(1);
    expect(await c.publish('devices/d2/messages/events/', 'spoof', 1)).toBe('closed');
    expect(await c.waitClosed()).toBe(true);
    expect(h.services.telemetry).toEqual([]);
  });
});

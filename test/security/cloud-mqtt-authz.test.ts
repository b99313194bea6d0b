import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device, Module } from '@verge/api-client';
import { eventually, tempDir } from '@verge/testkit';
import { createEdgeDevice, createLeafDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { sasCredentials, usernameOf, type ProbeCredentials, MqttProbe, SUBACK_FAILURE, FOREIGN_KEY, identityToken, nowSec, withField } from '@verge/testkit/mqtt';

// Authorization matrix of the cloud's device endpoint (MQTT over TLS): every identity kind tries to connect as
// another one, with forged or stale tokens, and to subscribe and publish outside its own topics. Each row is a
// real TLS connection to a real cloud; refusals are CONNACK codes 2/4/5, SUBACK 0x80, or the connection closing
// without PUBACK (MQTT 3.1.1 cannot refuse a single publish, so IoT Hub closes).

type Keys = { primaryKey: string; secondaryKey: string };

function keysOf(identity: Device | Module): Keys {
  const { primaryKey, secondaryKey } = identity.authentication.symmetricKey;
  if (primaryKey === null || secondaryKey === null) throw new Error(`${identity.deviceId} has no symmetric keys`);
  return { primaryKey, secondaryKey };
}

describe('cloud MQTT endpoint: authorization matrix', () => {
  const tmp = tempDir('verge-sec-');
  let t: TestCloud;
  let host: string;
  const keys: Record<string, Keys> = {};
  const open: MqttProbe[] = [];

  const target = () => ({ port: t.ports.mqtt, ca: t.cloud.caPem });

  /** Credentials of `clientId` as the SDK would send them, with a token from `token` (default: its own primary key). */
  function creds(clientId: string, token?: (own: Keys) => string): ProbeCredentials {
    const own = keys[clientId] ?? { primaryKey: FOREIGN_KEY, secondaryKey: FOREIGN_KEY };
    return token === undefined ? sasCredentials({ host, clientId, key: own.primaryKey }) : sasCredentials({ host, clientId, password: token(own) });
  }

  async function connected(c: ProbeCredentials): Promise<MqttProbe> {
    const probe = await MqttProbe.accepted(target(), c);
    open.push(probe);
    return probe;
  }

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    host = t.api.hostName;
    for (const id of ['dev-a', 'dev-b', 'dev-rotate', 'dev-disable']) keys[id] = keysOf(await t.api.devices.create({ deviceId: id }));
    keys['dev-off'] = keysOf(await t.api.devices.create({ deviceId: 'dev-off', status: 'disabled' }));
    for (const m of ['mod-x', 'mod-y']) keys[`dev-a/${m}`] = keysOf(await t.api.modules.create({ deviceId: 'dev-a', moduleId: m }));
    const edge = await createEdgeDevice(t, 'edge-1');
    keys['edge-1'] = keysOf(edge.device);
    keys['leaf-1'] = keysOf(await createLeafDevice(t, 'leaf-1', edge.device));
  });

  afterAll(async () => {
    for (const p of open) p.end();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  describe('CONNECT', () => {
    const past = () => nowSec() - 3600;
    it.each<[string, () => ProbeCredentials, (number | 'closed')[]]>([
      ["device token of dev-a used as dev-b (client id, user name and sr all name dev-b, dev-a's key signs)", () => creds('dev-b', () => identityToken({ host, deviceId: 'dev-b', key: keys['dev-a']!.primaryKey })), [4]],
      ["dev-a's own valid token presented as dev-b", () => creds('dev-b', () => identityToken({ host, deviceId: 'dev-a', key: keys['dev-a']!.primaryKey })), [4]],
      ["module token of dev-a/mod-x used as dev-a/mod-y", () => creds('dev-a/mod-y', () => identityToken({ host, deviceId: 'dev-a', moduleId: 'mod-y', key: keys['dev-a/mod-x']!.primaryKey })), [4]],
      ["dev-a/mod-x's own token presented as dev-a/mod-y", () => creds('dev-a/mod-y', () => identityToken({ host, deviceId: 'dev-a', moduleId: 'mod-x', key: keys['dev-a/mod-x']!.primaryKey })), [4]],
      ["module dev-a/mod-x with a device-audience token (sr names dev-a, module key)", () => creds('dev-a/mod-x', (k) => identityToken({ host, deviceId: 'dev-a', key: k.primaryKey })), [4]],
      ["device dev-a acting as its own module dev-a/mod-x with the device key", () => creds('dev-a/mod-x', () => identityToken({ host, deviceId: 'dev-a', moduleId: 'mod-x', key: keys['dev-a']!.primaryKey })), [4]],
      ["module dev-a/mod-x connecting as its device dev-a", () => creds('dev-a', () => identityToken({ host, deviceId: 'dev-a', moduleId: 'mod-x', key: keys['dev-a/mod-x']!.primaryKey })), [4]],
      ['leaf-1 acting as its parent edge-1 with its own key', () => creds('edge-1', () => identityToken({ host, deviceId: 'edge-1', key: keys['leaf-1']!.primaryKey })), [4]],
      ['edge-1 acting as its child leaf-1 with the edge key', () => creds('leaf-1', () => identityToken({ host, deviceId: 'leaf-1', key: keys['edge-1']!.primaryKey })), [4]],
      ["wrong audience: sr names another hub's host", () => creds('dev-a', (k) => identityToken({ host: 'other-hub.example', deviceId: 'dev-a', key: k.primaryKey })), [4]],
      ["wrong audience: the hub itself (a service-style sr without a device)", () => creds('dev-a', (k) => withField(identityToken({ host, deviceId: 'dev-a', key: k.primaryKey }), 'sr', host)), [4]],
      ['user name naming another hub', () => ({ ...creds('dev-a'), username: usernameOf('other-hub.example', 'dev-a') }), [4]],
      ['user name naming another device than the client id', () => ({ ...creds('dev-a'), username: usernameOf(host, 'dev-b') }), [4]],
      ['expired token (se an hour ago, beyond the 5-minute skew)', () => creds('dev-a', (k) => identityToken({ host, deviceId: 'dev-a', key: k.primaryKey, expirySec: past() })), [4]],
      ['expired token with se moved to the future (signature made for the old se)', () => creds('dev-a', (k) => withField(identityToken({ host, deviceId: 'dev-a', key: k.primaryKey, expirySec: past() }), 'se', String(nowSec() + 3600))), [4]],
      ["dev-b's token with sr rewritten to dev-a (signature made for dev-b)", () => creds('dev-a', () => withField(identityToken({ host, deviceId: 'dev-b', key: keys['dev-b']!.primaryKey }), 'sr', `${host}/devices/dev-a`)), [4]],
      ['a key nobody registered', () => creds('dev-a', () => identityToken({ host, deviceId: 'dev-a', key: FOREIGN_KEY })), [4]],
      ['no password', () => ({ clientId: 'dev-a', username: usernameOf(host, 'dev-a') }), [4]],
      ['a token with the device key as the password', () => ({ ...creds('dev-a'), password: keys['dev-a']!.primaryKey }), [4]],
      ['disabled device with a valid token', () => creds('dev-off'), [5]],
      ['unknown device', () => creds('nobody', () => identityToken({ host, deviceId: 'nobody', key: FOREIGN_KEY })), [5]],
      ["escape: client id '../dev-a'", () => creds('../dev-a', () => identityToken({ host, deviceId: 'dev-a', key: keys['dev-a']!.primaryKey })), [4, 5]],
      ["escape: client id 'dev-a/..' (a module named '..')", () => creds('dev-a/..', () => identityToken({ host, deviceId: 'dev-a', key: keys['dev-a']!.primaryKey })), [4, 5]],
      ["escape: client id 'dev-a/mod-x/extra'", () => creds('dev-a/mod-x/extra', () => identityToken({ host, deviceId: 'dev-a', moduleId: 'mod-x', key: keys['dev-a/mod-x']!.primaryKey })), [2]],
      ["escape: client id 'dev-a%2Fmod-x' (encoded separator)", () => creds('dev-a%2Fmod-x', () => identityToken({ host, deviceId: 'dev-a', moduleId: 'mod-x', key: keys['dev-a/mod-x']!.primaryKey })), [4, 5]],
      ["escape: client id 'dev-a\\u0000'", () => creds('dev-a\u0000', () => identityToken({ host, deviceId: 'dev-a', key: keys['dev-a']!.primaryKey })), [2, 4, 5, 'closed']],
      ["wildcard client id '+'", () => creds('+', () => identityToken({ host, deviceId: 'dev-a', key: keys['dev-a']!.primaryKey })), [2, 4, 5]],
    ])('refuses %s', async (_what, build, codes) => {
      // A refusal is a CONNACK with one of the expected codes, or, for a CONNECT MQTT itself forbids (NUL in a
      // string, MQTT 3.1.1 §1.5.3), the connection closed without CONNACK where the row allows it.
      expect(codes).toContain(await MqttProbe.answer(target(), build()));
    });

    it.each<[string, () => ProbeCredentials]>([
      ['a device with its primary key', () => creds('dev-a')],
      ['a device with its secondary key', () => creds('dev-a', (k) => identityToken({ host, deviceId: 'dev-a', key: k.secondaryKey }))],
      ['a module with its own key', () => creds('dev-a/mod-x')],
      ['an edge device', () => creds('edge-1')],
      ['a leaf device dialling the cloud directly (IoT Hub allows it)', () => creds('leaf-1')],
      ['a token expired a minute ago (inside IoT Hub\'s 5-minute clock skew)', () => creds('dev-a', (k) => identityToken({ host, deviceId: 'dev-a', key: k.primaryKey, expirySec: nowSec() - 60 }))],
    ])('accepts %s (control)', async (_what, build) => {
      expect(await MqttProbe.answer(target(), build())).toBe(0);
    });
  });

  it('closes a connection once its token expires (past the 5-minute skew), not just at CONNECT', async () => {
    // Expired 297 s ago: inside the skew at CONNECT, outside it 3 s later.
    const probe = await connected(creds('dev-a', (k) => identityToken({ host, deviceId: 'dev-a', key: k.primaryKey, expirySec: nowSec() - 297 })));
    expect(await probe.waitClosed(10_000)).toBe(true);
  });

  describe('SUBSCRIBE', () => {
    const refused = [
      ["another device's C2D", 'dev-a', 'devices/dev-b/messages/devicebound/#'],
      ['every C2D (+)', 'dev-a', 'devices/+/messages/devicebound/#'],
      ['everything (#)', 'dev-a', '#'],
      ['every device (devices/#)', 'dev-a', 'devices/#'],
      ['own device subtree (devices/dev-a/#)', 'dev-a', 'devices/dev-a/#'],
      ['own C2D with + instead of #', 'dev-a', 'devices/dev-a/messages/devicebound/+'],
      ['+ as the first level', 'dev-a', '+/dev-a/messages/devicebound/#'],
      ["'..' as the device id", 'dev-a', 'devices/../messages/devicebound/#'],
      ["'..' walking from dev-a to dev-b", 'dev-a', 'devices/dev-a/../dev-b/messages/devicebound/#'],
      ['encoded separator in the device id', 'dev-a', 'devices/dev-a%2F..%2Fdev-b/messages/devicebound/#'],
      ['NUL in the device id', 'dev-a', 'devices/dev-a\u0000/messages/devicebound/#'],
      ["a module's inputs, as its device", 'dev-a', 'devices/dev-a/modules/mod-x/inputs/#'],
      ['all $iothub topics', 'dev-a', '$iothub/#'],
      ['$iothub with a wildcard level', 'dev-a', '$iothub/+/res/#'],
      ['$SYS', 'dev-a', '$SYS/#'],
      ['C2D, as a module (devices only)', 'dev-a/mod-x', 'devices/dev-a/messages/devicebound/#'],
      ["a sibling module's inputs", 'dev-a/mod-x', 'devices/dev-a/modules/mod-y/inputs/#'],
      ['every module input of the device', 'dev-a/mod-x', 'devices/dev-a/modules/+/inputs/#'],
      ['module inputs of another device', 'dev-a/mod-x', 'devices/dev-b/modules/mod-x/inputs/#'],
    ] as const;

    it.each(refused)('refuses %s (%s subscribes %j)', async (_what, clientId, filter) => {
      const probe = await connected(creds(clientId));
      const code = await probe.subscribe(filter);
      expect([SUBACK_FAILURE, 'closed']).toContain(code);
    });

    it.each([
      ['dev-a', 'devices/dev-a/messages/devicebound/#', 1],
      ['dev-a', '$iothub/twin/res/#', 0],
      ['dev-a', '$iothub/twin/PATCH/properties/desired/#', 0],
      ['dev-a', '$iothub/methods/POST/#', 0],
      ['dev-a/mod-x', 'devices/dev-a/modules/mod-x/inputs/#', 1],
      ['dev-a/mod-x', '$iothub/methods/POST/#', 0],
    ] as const)('grants %s its own %j (control)', async (clientId, filter, qos) => {
      const probe = await connected(creds(clientId));
      expect(await probe.subscribe(filter, qos)).toBe(qos);
    });

    it('never delivers a C2D message of dev-b to dev-a, whatever dev-a subscribed', async () => {
      const a = await connected(creds('dev-a'));
      for (const [, , filter] of refused.filter(([, id]) => id === 'dev-a')) await a.subscribe(filter);
      const b = await connected(creds('dev-b'));
      expect(await b.subscribe('devices/dev-b/messages/devicebound/#')).toBe(1);
      await t.api.sendC2d('dev-b', { payload: 'for dev-b only' });
      const got = await b.nextMessage((topic) => topic.startsWith('devices/dev-b/messages/devicebound/'), 10_000);
      expect(got?.payload.toString()).toBe('for dev-b only');
      expect(a.messages.filter((m) => m.topic.includes('devicebound'))).toEqual([]);
    });
  });

  describe('PUBLISH', () => {
    it.each([
      ["telemetry as another device", 'dev-a', 'devices/dev-b/messages/events/'],
      ['telemetry as its own module', 'dev-a', 'devices/dev-a/modules/mod-x/messages/events/'],
      ['telemetry as its device, from a module', 'dev-a/mod-x', 'devices/dev-a/messages/events/'],
      ['telemetry as a sibling module', 'dev-a/mod-x', 'devices/dev-a/modules/mod-y/messages/events/'],
      ['telemetry to a + topic', 'dev-a', 'devices/+/messages/events/'],
      ['telemetry to a # topic', 'dev-a', 'devices/#'],
      ["telemetry with '..' as the device id", 'dev-a', 'devices/../messages/events/'],
      ['telemetry with an encoded separator in the device id', 'dev-a', 'devices/dev-b%2F..%2Fdev-a/messages/events/'],
      ['telemetry with NUL in the device id', 'dev-a', 'devices/dev-a\u0000/messages/events/'],
      ['C2D topic (hub to device only)', 'dev-a', 'devices/dev-a/messages/devicebound/'],
      ["a module's input topic", 'dev-a/mod-x', 'devices/dev-a/modules/mod-x/inputs/in/'],
      ['a desired-properties patch (service-side only)', 'dev-a', '$iothub/twin/PATCH/properties/desired/?$version=9'],
      ['a method request (service-side only)', 'dev-a', '$iothub/methods/POST/reboot/?$rid=1'],
      ['an unknown $iothub topic', 'dev-a', '$iothub/anything'],
    ] as const)('closes the connection without PUBACK for %s (%s publishes %j)', async (_what, clientId, topic) => {
      const probe = await connected(creds(clientId));
      expect(await probe.publish(topic, '{"forged":true}')).toBe('closed');
    });

    it('records telemetry under the publisher whatever the property bag claims (no $.cdid/$.cmid/$.on spoofing)', async () => {
      const probe = await connected(creds('dev-a'));
      const topic = 'devices/dev-a/messages/events/%24.cdid=dev-b&%24.cmid=mod-x&%24.on=out&connectionDeviceId=dev-b&probe=spoof';
      expect(await probe.publish(topic, '{"spoof":1}')).toBe('acked');
      const stored = await eventually(async () => (await t.api.recentMessages({ deviceId: 'dev-a' })).find((m) => m.properties['probe'] === 'spoof'), { description: 'the message under dev-a', timeoutMs: 30_000 });
      expect(stored.deviceId).toBe('dev-a');
      expect(stored.moduleId).toBeUndefined();
      expect(stored.systemProperties).toMatchObject({ connectionDeviceId: 'dev-a' });
      expect(stored.systemProperties).not.toHaveProperty('connectionModuleId');
      expect(stored.systemProperties).not.toHaveProperty('outputName');
      expect((await t.api.recentMessages({ deviceId: 'dev-b' })).filter((m) => m.properties['probe'] === 'spoof')).toEqual([]);
    });

    it("ignores a method answer published by another device with the pending request's id", async () => {
      const b = await connected(creds('dev-b'));
      expect(await b.subscribe('$iothub/methods/POST/#', 0)).toBe(0);
      const invocation = t.api.invokeMethod({ deviceId: 'dev-b' }, { methodName: 'open', payload: {}, responseTimeoutInSeconds: 10 });
      const request = await b.nextMessage((topic) => topic.startsWith('$iothub/methods/POST/open/'));
      const rid = new URLSearchParams(request?.topic.split('?')[1] ?? '').get('$rid') ?? '';
      expect(rid).not.toBe('');
      const a = await connected(creds('dev-a'));
      await a.publish(`$iothub/methods/res/200/?$rid=${rid}`, '{"from":"dev-a"}', 0);
      await b.publish(`$iothub/methods/res/201/?$rid=${rid}`, '{"from":"dev-b"}', 0);
      await expect(invocation).resolves.toEqual({ status: 201, payload: { from: 'dev-b' } });
    });

    it('accepts its own telemetry and twin requests (control)', async () => {
      const probe = await connected(creds('dev-a/mod-x'));
      expect(await probe.publish('devices/dev-a/modules/mod-x/messages/events/probe=own', '{}')).toBe('acked');
      expect(await probe.subscribe('$iothub/twin/res/#', 0)).toBe(0);
      await probe.publish('$iothub/twin/GET/?$rid=own-1', ' ', 0);
      const answer = await probe.nextMessage((topic) => topic.startsWith('$iothub/twin/res/200/'));
      expect(JSON.parse(answer?.payload.toString() ?? '{}')).toHaveProperty('desired');
    });
  });

  describe('registry changes take effect at once', () => {
    it('a rotated key: the live connection is closed, the old key refused, the new key accepted', async () => {
      const old = keys['dev-rotate']!;
      const live = await connected(creds('dev-rotate'));
      const fresh = { primaryKey: randomBytes(32).toString('base64'), secondaryKey: randomBytes(32).toString('base64') };
      await t.api.devices.update({ deviceId: 'dev-rotate', authentication: { type: 'sas', symmetricKey: fresh } });
      expect(await live.waitClosed()).toBe(true);
      for (const key of [old.primaryKey, old.secondaryKey]) {
        const outcome = await MqttProbe.connect(target(), creds('dev-rotate', () => identityToken({ host, deviceId: 'dev-rotate', key })));
        expect(outcome).toEqual({ kind: 'refused', returnCode: 4 });
      }
      keys['dev-rotate'] = fresh;
      const again = await MqttProbe.connect(target(), creds('dev-rotate'));
      expect(again.kind).toBe('accepted');
      if (again.kind === 'accepted') again.probe.end();
    });

    it('a disabled device: the live connection is closed and a new CONNECT refused with 5', async () => {
      const live = await connected(creds('dev-disable'));
      const device = await t.api.devices.get('dev-disable');
      await t.api.devices.update({ deviceId: 'dev-disable', status: 'disabled', authentication: device.authentication });
      expect(await live.waitClosed()).toBe(true);
      expect(await MqttProbe.connect(target(), creds('dev-disable'))).toEqual({ kind: 'refused', returnCode: 5 });
    });
  });
});

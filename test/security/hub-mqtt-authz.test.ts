import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';
import type { Device, Module } from '@verge/api-client';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, connectionStringOf, createEdgeDevice, createLeafDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { startTestEdge, deployment, type ModuleRunner } from '@verge/testkit/edge';
import { sasCredentials, usernameOf, type ProbeCredentials, MqttProbe, SUBACK_FAILURE, FOREIGN_KEY, identityToken, nowSec, withField } from '@verge/testkit/mqtt';

// Authorization matrix of the edge hub (MQTT over TLS with the edge CA): leaf devices of its scope, modules of its
// edge device, and everyone else, trying to connect as one another, to subscribe and publish outside their own
// topics, and to slip into the routing as another sender. A real cloud, a real edge runtime (process modules), real
// TLS connections. Modules `mod-a` and `mod-b` are deployed stopped: the hub serves their identities, and the probes
// connect as them without a real program taking the session over.

const EDGE_ID = 'edge-h';
const runner: ModuleRunner = { kind: 'process', node: process.execPath };

/** The deployment: `modules`, deployed stopped (the probes connect as them), and the routes of the matrix. */
function manifestOf(modules: readonly string[]) {
  return deployment(runner, Object.fromEntries(modules.map((m) => [m, { file: 'filter.mjs', status: 'stopped' as const }])), {
    routes: {
      aToB: 'FROM /messages/modules/mod-a/outputs/out INTO BrokeredEndpoint("/modules/mod-b/inputs/in")',
      leaves: 'FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO $upstream',
    },
  });
}

function primaryKeyOf(identity: Device | Module): string {
  const key = identity.authentication.symmetricKey.primaryKey;
  if (key === null) throw new Error(`${identity.deviceId} has no key`);
  return key;
}

describe('edge hub MQTT: authorization matrix', () => {
  const tmp = tempDir('verge-sec-');
  let t: TestCloud;
  let edge: RunningEdge;
  let host: string;
  const key: Record<string, string> = {};
  const secondary: Record<string, string> = {};
  const open: MqttProbe[] = [];

  const target = () => ({ port: edge.ports.mqtt, ca: edge.edgeCaPem });

  function creds(clientId: string, token?: () => string): ProbeCredentials {
    return token === undefined ? sasCredentials({ host, clientId, key: key[clientId] ?? FOREIGN_KEY }) : sasCredentials({ host, clientId, password: token() });
  }

  const sign = (deviceId: string, moduleId: string | undefined, signer: string, o: { host?: string; expirySec?: number } = {}) => () =>
    identityToken({ host: o.host ?? host, deviceId, ...(moduleId === undefined ? {} : { moduleId }), key: key[signer]!, ...(o.expirySec === undefined ? {} : { expirySec: o.expirySec }) });

  async function connected(c: ProbeCredentials): Promise<MqttProbe> {
    const probe = await MqttProbe.accepted(target(), c);
    open.push(probe);
    return probe;
  }

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    host = t.api.hostName;
    const created = await createEdgeDevice(t, EDGE_ID);
    key[EDGE_ID] = primaryKeyOf(created.device);
    for (const id of ['leaf-1', 'leaf-2', 'leaf-rot', 'leaf-dis']) {
      const leaf = await createLeafDevice(t, id, created.device);
      key[id] = primaryKeyOf(leaf);
      secondary[id] = leaf.authentication.symmetricKey.secondaryKey ?? '';
    }
    key['dev-x'] = primaryKeyOf(await t.api.devices.create({ deviceId: 'dev-x' }));
    const other = await createEdgeDevice(t, 'edge-o');
    key['leaf-o'] = primaryKeyOf(await createLeafDevice(t, 'leaf-o', other.device));
    const off = await createLeafDevice(t, 'leaf-off', created.device);
    key['leaf-off'] = primaryKeyOf(off);
    await t.api.devices.update({ deviceId: 'leaf-off', status: 'disabled', authentication: off.authentication, deviceScope: off.deviceScope ?? null });

    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: created.connectionString, runtime: 'process' });
    expect((await applyConfigurationContent(t, EDGE_ID, manifestOf(['mod-a', 'mod-b', 'mod-gone']))).status).toBe(204);
    // The agent creates the module identities (keys derived from the device key) when it applies the deployment.
    for (const m of ['mod-a', 'mod-b', 'mod-gone']) {
      const identity = await eventually(() => t.api.modules.get(EDGE_ID, m), { description: `the agent to create module identity ${m}`, timeoutMs: 30_000 });
      key[`${EDGE_ID}/${m}`] = primaryKeyOf(identity);
    }
    await eventually(() => edge.hubStatus().routes >= 2, { description: 'the hub to load the routes', timeoutMs: 30_000 });
    // The hub serves a module once the agent knows its identity.
    await eventually(async () => (await MqttProbe.answer(target(), creds(`${EDGE_ID}/mod-b`))) === 0, { description: 'the hub to serve module mod-b', timeoutMs: 30_000 });
  });

  afterAll(async () => {
    for (const p of open) p.end();
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  describe('CONNECT', () => {
    it.each<[string, () => ProbeCredentials, (number | 'closed')[]]>([
      ["leaf-1's key used to act as its sibling leaf-2", () => creds('leaf-2', sign('leaf-2', undefined, 'leaf-1')), [4]],
      ["leaf-1's own token presented as its sibling leaf-2", () => creds('leaf-2', sign('leaf-1', undefined, 'leaf-1')), [4]],
      ['a leaf acting as its parent edge device', () => creds(EDGE_ID, sign(EDGE_ID, undefined, 'leaf-1')), [5]],
      ['the edge device itself, with its own valid key', () => creds(EDGE_ID), [5]],
      ['a leaf acting as a module of its parent', () => creds(`${EDGE_ID}/mod-a`, sign(EDGE_ID, 'mod-a', 'leaf-1')), [4]],
      ["mod-a's key used to act as mod-b", () => creds(`${EDGE_ID}/mod-b`, sign(EDGE_ID, 'mod-b', `${EDGE_ID}/mod-a`)), [4]],
      ["mod-a's own token presented as mod-b", () => creds(`${EDGE_ID}/mod-b`, sign(EDGE_ID, 'mod-a', `${EDGE_ID}/mod-a`)), [4]],
      ['a module acting as a leaf of the scope', () => creds('leaf-1', sign('leaf-1', undefined, `${EDGE_ID}/mod-a`)), [4]],
      ['$edgeHub (the hub itself)', () => creds(`${EDGE_ID}/$edgeHub`, sign(EDGE_ID, '$edgeHub', EDGE_ID)), [5]],
      ['a module that is not deployed', () => creds(`${EDGE_ID}/mod-z`, sign(EDGE_ID, 'mod-z', EDGE_ID)), [5]],
      ['a module of another device', () => creds('edge-o/mod-a', sign('edge-o', 'mod-a', `${EDGE_ID}/mod-a`)), [5]],
      ['a device outside the scope, with its valid key', () => creds('dev-x'), [5]],
      ["another edge device's leaf, with its valid key", () => creds('leaf-o'), [5]],
      ['a disabled leaf, with its valid key', () => creds('leaf-off'), [5]],
      ['a leaf token for another hub (sr)', () => creds('leaf-1', sign('leaf-1', undefined, 'leaf-1', { host: 'other-hub.example' })), [4]],
      ['a leaf token expired an hour ago', () => creds('leaf-1', sign('leaf-1', undefined, 'leaf-1', { expirySec: nowSec() - 3600 })), [4]],
      [
        'an expired leaf token with se moved forward',
        () => creds('leaf-1', () => withField(sign('leaf-1', undefined, 'leaf-1', { expirySec: nowSec() - 3600 })(), 'se', String(nowSec() + 3600))),
        [4],
      ],
      ["leaf-2's token with sr rewritten to leaf-1", () => creds('leaf-1', () => withField(sign('leaf-2', undefined, 'leaf-2')(), 'sr', `${host}/devices/leaf-1`)), [4]],
      ['an expired module token', () => creds(`${EDGE_ID}/mod-a`, sign(EDGE_ID, 'mod-a', `${EDGE_ID}/mod-a`, { expirySec: nowSec() - 3600 })), [4]],
      ['a leaf with a foreign key', () => creds('leaf-1', () => identityToken({ host, deviceId: 'leaf-1', key: FOREIGN_KEY })), [4]],
      ['a leaf without a password', () => ({ clientId: 'leaf-1', username: usernameOf(host, 'leaf-1') }), [4]],
      ['a user name naming another identity than the client id', () => ({ ...creds('leaf-1'), username: usernameOf(host, 'leaf-2') }), [4]],
      ["escape: client id '../leaf-1'", () => creds('../leaf-1', sign('leaf-1', undefined, 'leaf-1')), [4, 5]],
      ["escape: client id 'edge-h/..'", () => creds(`${EDGE_ID}/..`, sign(EDGE_ID, undefined, EDGE_ID)), [4, 5]],
      ["escape: client id 'edge-h%2Fmod-a'", () => creds(`${EDGE_ID}%2Fmod-a`, sign(EDGE_ID, 'mod-a', `${EDGE_ID}/mod-a`)), [4, 5]],
      ["escape: client id 'edge-h/mod-a/x'", () => creds(`${EDGE_ID}/mod-a/x`, sign(EDGE_ID, 'mod-a', `${EDGE_ID}/mod-a`)), [2]],
      ["escape: client id 'leaf-1\\u0000'", () => creds('leaf-1\u0000', sign('leaf-1', undefined, 'leaf-1')), [2, 4, 5, 'closed']],
      ["wildcard client id '#'", () => creds('#', sign('leaf-1', undefined, 'leaf-1')), [2, 4, 5]],
    ])('refuses %s', async (_what, build, codes) => {
      expect(codes).toContain(await MqttProbe.answer(target(), build()));
    });

    it.each<[string, () => ProbeCredentials]>([
      ['a leaf of the scope with its primary key', () => creds('leaf-1')],
      ['a leaf of the scope with its secondary key', () => creds('leaf-1', () => identityToken({ host, deviceId: 'leaf-1', key: secondary['leaf-1']! }))],
      ['a deployed module with its derived key', () => creds(`${EDGE_ID}/mod-a`)],
      ['a deployed module with a device-audience token signed with its key (edgeHub accepts it)', () => creds(`${EDGE_ID}/mod-a`, sign(EDGE_ID, undefined, `${EDGE_ID}/mod-a`))],
    ])('accepts %s (control)', async (_what, build) => {
      expect(await MqttProbe.answer(target(), build())).toBe(0);
    });

    it('accepts an unmodified Azure SDK leaf device and carries its message to the cloud (control)', async () => {
      const leaf = await t.api.devices.get('leaf-2');
      const client = device.Client.fromConnectionString(connectionStringOf(t, leaf, `localhost:${edge.ports.mqtt}`), deviceMqtt.Mqtt);
      client.setOptions({ ca: edge.edgeCaPem });
      try {
        await client.open();
        const message = new device.Message('{"sdk":true}');
        message.properties.add('probe', 'sdk-leaf');
        await client.sendEvent(message);
        await eventually(async () => (await t.api.recentMessages({ deviceId: 'leaf-2' })).some((m) => m.properties['probe'] === 'sdk-leaf'), { description: 'the SDK leaf message in the cloud', timeoutMs: 30_000 });
      } finally {
        await client.close();
      }
    });
  });

  it('closes a connection once its token expires (past the 5-minute skew), not just at CONNECT', async () => {
    // Expired 297 s ago: inside the skew at CONNECT, outside it 3 s later.
    const probe = await connected(creds('leaf-1', sign('leaf-1', undefined, 'leaf-1', { expirySec: nowSec() - 297 })));
    expect(await probe.waitClosed(10_000)).toBe(true);
  });

  describe('SUBSCRIBE', () => {
    const leaf = 'leaf-1';
    const modA = `${EDGE_ID}/mod-a`;
    it.each([
      ["a sibling leaf's C2D", leaf, 'devices/leaf-2/messages/devicebound/#'],
      ["the parent edge device's C2D", leaf, `devices/${EDGE_ID}/messages/devicebound/#`],
      ['every C2D (+)', leaf, 'devices/+/messages/devicebound/#'],
      ['everything (#)', leaf, '#'],
      ['own subtree (devices/leaf-1/#)', leaf, 'devices/leaf-1/#'],
      ["a module's inputs, as a leaf", leaf, `devices/${EDGE_ID}/modules/mod-a/inputs/#`],
      ["'..' as the device id", leaf, 'devices/../messages/devicebound/#'],
      ['encoded separator in the device id', leaf, 'devices/leaf-1%2F..%2Fleaf-2/messages/devicebound/#'],
      ['NUL in the device id', leaf, 'devices/leaf-1\u0000/messages/devicebound/#'],
      ['all $iothub topics', leaf, '$iothub/#'],
      ["a sibling module's inputs", modA, `devices/${EDGE_ID}/modules/mod-b/inputs/#`],
      ["a sibling module's subtree (EH's devices/{d}/modules/{m}/# form)", modA, `devices/${EDGE_ID}/modules/mod-b/#`],
      ['every module input (+)', modA, `devices/${EDGE_ID}/modules/+/inputs/#`],
      ["the edge device's C2D, as a module", modA, `devices/${EDGE_ID}/messages/devicebound/#`],
      ["a leaf's C2D, as a module", modA, 'devices/leaf-1/messages/devicebound/#'],
      ['everything (#), as a module', modA, '#'],
    ] as const)('refuses %s (%s subscribes %j)', async (_what, clientId, filter) => {
      const probe = await connected(creds(clientId));
      expect([SUBACK_FAILURE, 'closed']).toContain(await probe.subscribe(filter));
    });

    it.each([
      [leaf, 'devices/leaf-1/messages/devicebound/#', 1],
      [leaf, '$iothub/twin/res/#', 0],
      [leaf, '$iothub/methods/POST/#', 0],
      [modA, `devices/${EDGE_ID}/modules/mod-a/inputs/#`, 1],
      [modA, `devices/${EDGE_ID}/modules/mod-a/#`, 1],
      [modA, '$iothub/twin/PATCH/properties/desired/#', 0],
    ] as const)('grants %s its own %j (control)', async (clientId, filter, qos) => {
      const probe = await connected(creds(clientId));
      expect(await probe.subscribe(filter, qos)).toBe(qos);
    });
  });

  describe('PUBLISH', () => {
    it.each([
      ['telemetry as a sibling leaf', 'leaf-1', 'devices/leaf-2/messages/events/'],
      ['telemetry as the parent edge device', 'leaf-1', `devices/${EDGE_ID}/messages/events/`],
      ["a module's output, as a leaf", 'leaf-1', `devices/${EDGE_ID}/modules/mod-a/messages/events/%24.on=out`],
      ["a module's input topic, as a leaf", 'leaf-1', `devices/${EDGE_ID}/modules/mod-b/inputs/in/`],
      ["a sibling module's output", `${EDGE_ID}/mod-b`, `devices/${EDGE_ID}/modules/mod-a/messages/events/%24.on=out`],
      ["a sibling module's input topic (direct injection)", `${EDGE_ID}/mod-a`, `devices/${EDGE_ID}/modules/mod-b/inputs/in/`],
      ['telemetry as the edge device, from a module', `${EDGE_ID}/mod-a`, `devices/${EDGE_ID}/messages/events/`],
      ['telemetry as a leaf, from a module', `${EDGE_ID}/mod-a`, 'devices/leaf-1/messages/events/'],
      ['telemetry to a + topic', 'leaf-1', 'devices/+/messages/events/'],
      ['telemetry to a # topic', 'leaf-1', 'devices/#'],
      ["telemetry with '..' as the device id", 'leaf-1', 'devices/../messages/events/'],
      ['telemetry with an encoded separator', 'leaf-1', 'devices/leaf-2%2F..%2Fleaf-1/messages/events/'],
      ['telemetry with NUL in the module id', `${EDGE_ID}/mod-a`, `devices/${EDGE_ID}/modules/mod-a\u0000/messages/events/`],
      ['a C2D topic', 'leaf-1', 'devices/leaf-1/messages/devicebound/'],
    ] as const)('closes the connection without PUBACK for %s (%s publishes %j)', async (_what, clientId, topic) => {
      const probe = await connected(creds(clientId));
      expect(await probe.publish(topic, '{"forged":true}')).toBe('closed');
    });

    it("routes by the authenticated sender: a leaf's property bag cannot pass its message off as mod-a's output", async () => {
      const b = await connected(creds(`${EDGE_ID}/mod-b`));
      expect(await b.subscribe(`devices/${EDGE_ID}/modules/mod-b/inputs/#`)).toBe(1);
      const leaf = await connected(creds('leaf-1'));
      const spoof = `devices/leaf-1/messages/events/%24.on=out&%24.cdid=${EDGE_ID}&%24.cmid=mod-a&probe=spoof`;
      expect(await leaf.publish(spoof, '{"spoof":true}')).toBe('acked');
      // Control: mod-a's real output does reach mod-b through the route, so the route is live.
      const a = await connected(creds(`${EDGE_ID}/mod-a`));
      expect(await a.publish(`devices/${EDGE_ID}/modules/mod-a/messages/events/%24.on=out&probe=real`, '{"real":true}')).toBe('acked');
      const real = await b.nextMessage((topic) => topic.includes('probe=real'), 15_000);
      expect(real?.topic).toContain(`devices/${EDGE_ID}/modules/mod-b/inputs/in/`);
      expect(b.messages.filter((m) => m.topic.includes('probe=spoof'))).toEqual([]);
      // The leaf's message went where leaf messages go, under the leaf's own id, and was not lost on the way (the
      // hub acknowledged it, so it must arrive).
      const stored = await eventually(async () => (await t.api.recentMessages({ deviceId: 'leaf-1' })).find((m) => m.properties['probe'] === 'spoof'), { description: "the leaf's message in the cloud", timeoutMs: 15_000 });
      expect(stored.moduleId).toBeUndefined();
      expect(stored.systemProperties).toMatchObject({ connectionDeviceId: 'leaf-1' });
      expect(stored.systemProperties).not.toHaveProperty('connectionModuleId');
      expect(stored.systemProperties).not.toHaveProperty('outputName');
    });

    it("ignores a method answer published by a sibling leaf with the pending request's id", async () => {
      const leaf = await connected(creds('leaf-1'));
      expect(await leaf.subscribe('$iothub/methods/POST/#', 0)).toBe(0);
      // The cloud can invoke once the hub has carried the subscription upstream.
      const { invocation, rid } = await eventually(async () => {
        const from = leaf.messages.length;
        const pending = t.api.invokeMethod({ deviceId: 'leaf-1' }, { methodName: 'open', payload: {}, responseTimeoutInSeconds: 15 });
        pending.catch(() => undefined);
        const request = await leaf.nextMessage((topic) => topic.startsWith('$iothub/methods/POST/open/'), 2_000, from);
        const id = new URLSearchParams(request?.topic.split('?')[1] ?? '').get('$rid');
        return id === null ? undefined : { invocation: pending, rid: id };
      }, { description: 'a method request to reach leaf-1 through the hub', timeoutMs: 20_000, intervalMs: 500 });
      const sibling = await connected(creds('leaf-2'));
      await sibling.publish(`$iothub/methods/res/200/?$rid=${rid}`, '{"from":"leaf-2"}', 0);
      const module = await connected(creds(`${EDGE_ID}/mod-a`));
      await module.publish(`$iothub/methods/res/202/?$rid=${rid}`, '{"from":"mod-a"}', 0);
      await leaf.publish(`$iothub/methods/res/201/?$rid=${rid}`, '{"from":"leaf-1"}', 0);
      await expect(invocation).resolves.toEqual({ status: 201, payload: { from: 'leaf-1' } });
    });

    it('accepts own telemetry of a leaf and of a module (control)', async () => {
      expect(await (await connected(creds('leaf-1'))).publish('devices/leaf-1/messages/events/probe=own', '{}')).toBe('acked');
      expect(await (await connected(creds(`${EDGE_ID}/mod-a`))).publish(`devices/${EDGE_ID}/modules/mod-a/messages/events/probe=own`, '{}')).toBe('acked');
    });
  });

  describe('identity changes at the cloud reach the hub with the next scope refresh', () => {
    it('a rotated leaf key: once the new key works, the old key is refused and the old connection closed', async () => {
      const old = { primary: key['leaf-rot']!, secondary: secondary['leaf-rot']! };
      const live = await connected(creds('leaf-rot'));
      expect(await live.publish('devices/leaf-rot/messages/events/probe=before-rotation', '{}')).toBe('acked');
      const fresh = { primaryKey: randomBytes(32).toString('base64'), secondaryKey: randomBytes(32).toString('base64') };
      const leafDevice = await t.api.devices.get('leaf-rot');
      await t.api.devices.update({ deviceId: 'leaf-rot', authentication: { type: 'sas', symmetricKey: fresh }, deviceScope: leafDevice.deviceScope ?? null });
      key['leaf-rot'] = fresh.primaryKey;
      // The new key is unknown to the cached scope until the hub refreshes it (a refused login asks for that).
      await eventually(async () => (await MqttProbe.answer(target(), creds('leaf-rot'))) === 0, { description: 'the new key of leaf-rot to be accepted by the hub', timeoutMs: 30_000, intervalMs: 1_000 });
      expect(live.closed).toBe(true);
      for (const k of [old.primary, old.secondary]) {
        expect(await MqttProbe.connect(target(), creds('leaf-rot', () => identityToken({ host, deviceId: 'leaf-rot', key: k })))).toEqual({ kind: 'refused', returnCode: 4 });
      }
    });

    it('a module removed from the deployment: its connection is closed and a new CONNECT refused with 5', async () => {
      const live = await connected(creds(`${EDGE_ID}/mod-gone`));
      expect(await live.subscribe(`devices/${EDGE_ID}/modules/mod-gone/inputs/#`)).toBe(1);
      expect((await applyConfigurationContent(t, EDGE_ID, manifestOf(['mod-a', 'mod-b']))).status).toBe(204);
      expect(await live.waitClosed(30_000)).toBe(true);
      expect(await MqttProbe.answer(target(), creds(`${EDGE_ID}/mod-gone`))).toBe(5);
      // The modules still deployed keep their connections (control).
      expect(await MqttProbe.answer(target(), creds(`${EDGE_ID}/mod-a`))).toBe(0);
    });

    it('a leaf disabled at the cloud: its connection is closed and a new CONNECT refused with 5', async () => {
      const live = await connected(creds('leaf-dis'));
      expect(await live.subscribe('devices/leaf-dis/messages/devicebound/#')).toBe(1);
      expect(await live.publish('devices/leaf-dis/messages/events/probe=before-disable', '{}')).toBe('acked');
      await eventually(async () => (await t.api.recentMessages({ deviceId: 'leaf-dis' })).length > 0, { description: 'leaf-dis upstream', timeoutMs: 30_000 });
      const leafDevice = await t.api.devices.get('leaf-dis');
      await t.api.devices.update({ deviceId: 'leaf-dis', status: 'disabled', authentication: leafDevice.authentication, deviceScope: leafDevice.deviceScope ?? null });
      await eventually(async () => {
        const outcome = await MqttProbe.connect(target(), creds('leaf-dis'));
        if (outcome.kind === 'accepted') {
          // Still accepted from the cached scope: its traffic upstream is what tells the hub the cloud refuses it.
          await outcome.probe.publish('devices/leaf-dis/messages/events/probe=while-disabled', '{}');
          outcome.probe.end();
        }
        return outcome.kind === 'refused' && outcome.returnCode === 5;
      }, { description: 'the hub to refuse the disabled leaf', timeoutMs: 30_000, intervalMs: 1_000 });
      expect(await live.waitClosed(1_000)).toBe(true);
    });
  });
});

import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IotHubMqttLimits } from '@verge/iothub-mqtt';
import { eventually, tempDir } from '@verge/testkit';
import { connectionStringOf, startTestCloud } from '@verge/testkit/cloud';
import { startCloudWithHub } from '@verge/testkit/edge';
import { sasCredentials, MqttProbe, sdkRoundTrip } from '@verge/testkit/mqtt';

// Issue 7, item 2: ~600 idle unauthenticated sockets filled the 512 pending-handshake slots and locked every new
// login out, on the cloud and on the edge hub (both run the same MQTT server core). Now one address may hold only
// `maxPendingHandshakesPerAddress` of them and `maxConnectionsPerAddress` connections, and a socket that sends
// nothing is closed after `silentSocketTimeoutMs`. Everything runs on loopback: the flood comes from the alias
// 127.0.0.2 (Linux routes all of 127/8 to lo), the legitimate Azure SDK client from 127.0.0.1.

const FLOOD = 650;
const FLOOD_FROM = '127.0.0.2';
// The flood test isolates per-address admission: idle sockets are not timed out during it.
const floodLimits: Partial<IotHubMqttLimits> = { maxPendingHandshakesPerAddress: 64, silentSocketTimeoutMs: 60_000, tlsHandshakeTimeoutMs: 60_000 };

// What the legitimate Azure SDK client sends through the flood.
const FLOOD_SURVIVOR = { hello: 'through the flood' };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Opens `count` TCP sockets to `port` from `localAddress` that never send a byte; resolves once each is open or refused. */
async function idleFlood(port: number, count: number, localAddress: string): Promise<{ open: () => number; destroy: () => void }> {
  const sockets: Socket[] = [];
  let settled = 0;
  let closed = 0;
  for (let i = 0; i < count; i++) {
    const s = connect({ host: '127.0.0.1', port, localAddress });
    s.on('error', () => undefined);
    s.once('connect', () => (settled += 1));
    s.once('close', () => (closed += 1));
    sockets.push(s);
  }
  await eventually(() => settled + closed >= count, { description: `${count} flood sockets to connect`, timeoutMs: 20_000, intervalMs: 50 });
  return { open: () => sockets.filter((s) => !s.destroyed && s.readyState === 'open').length, destroy: () => sockets.forEach((s) => s.destroy()) };
}

describe('handshake floods from one address', () => {
  it(`cloud: ${FLOOD} idle sockets from ${FLOOD_FROM} do not lock out a device from 127.0.0.1`, async () => {
    const tmp = tempDir('verge-flood-');
    cleanups.push(tmp.cleanup);
    const t = await startTestCloud(join(tmp.dir, 'cloud'), undefined, { mqttLimits: floodLimits });
    cleanups.push(() => t.cloud.stop());
    const sensor = await t.api.devices.create({ deviceId: 'sensor-1' });

    const flood = await idleFlood(t.ports.mqtt, FLOOD, FLOOD_FROM);
    cleanups.push(flood.destroy);

    await sdkRoundTrip(connectionStringOf(t, sensor, `localhost:${t.ports.mqtt}`), t.cloud.caPem, { body: FLOOD_SURVIVOR });
    await eventually(async () => (await t.api.recentMessages({ deviceId: 'sensor-1' })).length === 1, { description: 'the message in the cloud', timeoutMs: 30_000 });
    // The address keeps its share; the server drops the rest as it accepts them, before any TLS work.
    await eventually(() => flood.open() === 64, { description: 'the flood sockets beyond the per-address share to be dropped', timeoutMs: 10_000, intervalMs: 50 });
  });

  it(`edge hub: ${FLOOD} idle sockets from ${FLOOD_FROM} do not lock out a leaf device from 127.0.0.1`, async () => {
    const tmp = tempDir('verge-flood-hub-');
    cleanups.push(tmp.cleanup);
    const s = await startCloudWithHub(tmp.dir, { mqttLimits: floodLimits });
    cleanups.push(() => s.stop());

    const flood = await idleFlood(s.edge.ports.mqtt, FLOOD, FLOOD_FROM);
    cleanups.push(flood.destroy);

    await sdkRoundTrip(connectionStringOf(s.t, s.leaf, `localhost:${s.edge.ports.mqtt}`), s.edge.edgeCaPem, { body: FLOOD_SURVIVOR });
    await eventually(() => flood.open() === 64, { description: 'the flood sockets beyond the per-address share to be dropped', timeoutMs: 10_000, intervalMs: 50 });
  });

  it('closes sockets that send nothing after silentSocketTimeoutMs; a started handshake gets the TLS deadline', async () => {
    const tmp = tempDir('verge-silent-');
    cleanups.push(tmp.cleanup);
    const t = await startTestCloud(join(tmp.dir, 'cloud'), undefined, { mqttLimits: { silentSocketTimeoutMs: 300, tlsHandshakeTimeoutMs: 10_000, sweepIntervalMs: 100 } });
    cleanups.push(() => t.cloud.stop());
    const silent = await idleFlood(t.ports.mqtt, 5, FLOOD_FROM);
    cleanups.push(silent.destroy);
    const talker = connect({ host: '127.0.0.1', port: t.ports.mqtt, localAddress: '127.0.0.3' });
    talker.on('error', () => undefined);
    cleanups.push(() => talker.destroy());
    await new Promise((r) => talker.once('connect', r));
    talker.write(Buffer.from([0x16, 0x03, 0x01])); // the start of a TLS record: not silent, merely slow
    const startedAt = Date.now();
    await eventually(() => silent.open() === 0, { description: 'the silent sockets to be closed by the server', timeoutMs: 3000, intervalMs: 50 });
    expect(Date.now() - startedAt).toBeLessThan(3000);
    expect(talker.destroyed).toBe(false);
  });

  it('limits connected clients per address (CONNACK 3); other addresses and a take-over are unaffected', async () => {
    const tmp = tempDir('verge-peraddr-');
    cleanups.push(tmp.cleanup);
    const t = await startTestCloud(join(tmp.dir, 'cloud'), undefined, { mqttLimits: { maxConnectionsPerAddress: 2 } });
    cleanups.push(() => t.cloud.stop());
    const keys = new Map<string, string>();
    for (const id of ['d1', 'd2', 'd3']) keys.set(id, String((await t.api.devices.create({ deviceId: id })).authentication?.symmetricKey?.primaryKey));
    const connectFrom = async (deviceId: string, localAddress: string): Promise<number> => {
      const outcome = await MqttProbe.connect({ port: t.ports.mqtt, ca: t.cloud.caPem, localAddress }, sasCredentials({ host: 'localhost', clientId: deviceId, key: keys.get(deviceId) ?? '' }));
      if (outcome.kind === 'accepted') cleanups.push(() => outcome.probe.end());
      return outcome.kind === 'accepted' ? 0 : outcome.kind === 'refused' ? outcome.returnCode : -1;
    };
    expect(await connectFrom('d1', FLOOD_FROM)).toBe(0);
    expect(await connectFrom('d2', FLOOD_FROM)).toBe(0);
    expect(await connectFrom('d3', FLOOD_FROM)).toBe(3); // server unavailable: the address holds its maximum
    expect(await connectFrom('d3', '127.0.0.3')).toBe(0);
    expect(await connectFrom('d1', FLOOD_FROM)).toBe(0); // a take-over from the same address frees its own slot
  });
});

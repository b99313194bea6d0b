import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mqtt from 'mqtt';
import type { EdgeHub } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { createLeafDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { connectLeafMqtt, createTestEdgeCa, registerHubIdentities, standaloneHubDeps, startStandaloneHub, type HubIdentities } from '@verge/testkit/edge';
import { trackSeqs, type SeqTracker } from '@verge/testkit/faults';

// Issue 7: the device's wall clock jumps (NTP correcting a clock that was hours off), forward and backward, under
// a running edge hub. The system clock cannot be changed safely in a test, so the hub's own clock seam
// (`EdgeHubDeps.nowMs`, which its store TTLs, token checks, parking, upstream idling and device-scope sync
// intervals read) is injected with a clock that jumps; timers stay monotonic as they are on a real device, and the
// cloud keeps the true time. Checks: after a forward jump (within the TTL) no stored message expires and messages
// keep flowing; after a backward jump a leaf device created in the cloud gets in promptly (the on-demand scope sync
// is not deferred by the hours the clock went back) and messages keep flowing.

const EDGE_ID = 'edge-clock';
const HOUR_MS = 3_600_000;
const DAY_SEC = 86_400;

describe('clock jumps under a running edge hub', () => {
  const tmp = tempDir('verge-cj-');
  const cloudDir = join(tmp.dir, 'cloud');
  let t: TestCloud;
  let ids: HubIdentities;
  let hub: EdgeHub | undefined;
  let tracker: SeqTracker;
  const clients: mqtt.MqttClient[] = [];
  let offsetMs = 0;

  beforeAll(async () => {
    t = await startTestCloud(cloudDir);
    ids = await registerHubIdentities(t, { edgeId: EDGE_ID, leafId: 'leaf-a' });
    tracker = trackSeqs(t.api, 'seq');
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    tracker?.stop();
    await hub?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('keeps TTLs, scope syncs and delivery right across forward and backward jumps', async () => {
    const edgeCa = await createTestEdgeCa();
    const caFile = join(tmp.dir, 'edge-ca.pem');
    writeFileSync(caFile, edgeCa.certificatePem);
    const started = await startStandaloneHub(standaloneHubDeps(t, ids, { dataDir: join(tmp.dir, 'hub'), edgeCa, nowMs: () => Date.now() + offsetMs }));
    hub = started.hub;
    const { port } = started;
    // Leaf tokens valid a day: the jumps test the hub's clock, not a leaf's token lifetime.
    const connect = (deviceId: string, key: string): Promise<mqtt.MqttClient> => connectLeafMqtt(t, { deviceId, key, port, caFile, tokenTtlSec: DAY_SEC });
    const publish = (client: mqtt.MqttClient, deviceId: string, seq: number): Promise<void> =>
      new Promise((resolve, reject) => client.publish(`devices/${deviceId}/messages/events/seq=${seq}`, `{"seq":${seq}}`, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    const allOf = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
    const expectDelivered = (deviceId: string, n: number, what: string): Promise<unknown> =>
      eventually(() => tracker.missing(`${deviceId}/`, allOf(n)).length === 0, { description: what, timeoutMs: 60_000, intervalMs: 300 }).catch((err: unknown) => {
        throw new Error(`${String(err)}: ${tracker.missing(`${deviceId}/`, allOf(n)).length} of ${n} missing`);
      });

    const a = await eventually(() => connect('leaf-a', ids.leafKey).catch(() => undefined), { description: 'leaf-a to connect', timeoutMs: 30_000, intervalMs: 300 });
    clients.push(a);
    let seqA = 0;
    await eventually(async () => {
      await publish(a, 'leaf-a', ++seqA);
      return tracker.figures('leaf-a/').distinct > 0;
    }, { description: 'the routes to be in force', timeoutMs: 30_000, intervalMs: 500 });

    // Forward jump of an hour while the cloud is down: 200 stored messages (TTL 2 h) must not expire.
    const ports = t.ports;
    await t.cloud.stop();
    for (let i = 0; i < 200; i++) await publish(a, 'leaf-a', ++seqA);
    offsetMs = HOUR_MS;
    for (let i = 0; i < 50; i++) await publish(a, 'leaf-a', ++seqA);
    t = await startTestCloud(cloudDir, { http: ports.http, https: ports.https, mqtt: ports.mqtt });
    await expectDelivered('leaf-a', seqA, `all ${seqA} messages of leaf-a after the forward jump`);
    expect(hub.status().endpoints.flatMap((e) => e.priorities).reduce((n, p) => n + p.droppedTtlExpiry, 0)).toBe(0);

    // Backward jump of three hours: a leaf created in the cloud now must get in promptly (on-demand scope sync).
    offsetMs = -2 * HOUR_MS;
    const leafB = await createLeafDevice(t, 'leaf-b', ids.edge);
    const keyB = String(leafB.authentication?.symmetricKey?.primaryKey);
    const b = await eventually(() => connect('leaf-b', keyB).catch(() => undefined), { description: 'leaf-b (created after the backward jump) to connect', timeoutMs: 30_000, intervalMs: 500 });
    clients.push(b);
    let seqB = 0;
    for (let i = 0; i < 100; i++) {
      await publish(a, 'leaf-a', ++seqA);
      await publish(b, 'leaf-b', ++seqB);
    }
    await expectDelivered('leaf-a', seqA, `all ${seqA} messages of leaf-a after the backward jump`);
    await expectDelivered('leaf-b', seqB, `all ${seqB} messages of leaf-b after the backward jump`);
    expect(tracker.figures('leaf-a/').outOfOrder).toBe(0);
  });
});

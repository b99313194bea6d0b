import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mqtt from 'mqtt';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, createEdgeDevice, createLeafDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { startTestEdge, deployment, waitForRunning, connectLeafMqtt } from '@verge/testkit/edge';
import { trackSeqs, type SeqTracker } from '@verge/testkit/faults';

// Issue 7, "lose nothing": the cloud stops (a real outage: its listeners close, clients see connection refused)
// while a module (producer.mjs, the unmodified Azure SDK, sending every 20 ms) and a leaf device (QoS 1, up to 20
// unacknowledged) keep sending through the edge hub. The hub keeps accepting and stores. When the cloud returns on
// the same ports, every message the hub accepted arrives, in order per sender.

const EDGE_ID = 'edge-outage';
const LEAF_ID = 'leaf-outage';
const OUTAGE_MESSAGES = 3_000;

describe('cloud outage while modules and a leaf keep sending', () => {
  const tmp = tempDir('verge-co-');
  const cloudDir = join(tmp.dir, 'cloud');
  let t: TestCloud;
  let edge: RunningEdge;
  let tracker: SeqTracker;
  let leaf: mqtt.MqttClient | undefined;

  beforeAll(async () => {
    t = await startTestCloud(cloudDir);
    const created = await createEdgeDevice(t, EDGE_ID);
    const leafDevice = await createLeafDevice(t, LEAF_ID, created.device);
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: created.connectionString, runtime: 'process' });
    const routes = {
      producerToCloud: 'FROM /messages/modules/producer/outputs/out INTO $upstream',
      leaves: 'FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO $upstream',
    };
    const modules = { producer: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '20' } } };
    expect((await applyConfigurationContent(t, EDGE_ID, deployment({ kind: 'process', node: process.execPath }, modules, { routes }))).status).toBe(204);
    tracker = trackSeqs(t.api, 'seq');
    await waitForRunning(t, EDGE_ID, ['producer']);
    const key = String(leafDevice.authentication?.symmetricKey?.primaryKey);
    leaf = await eventually(() => connectLeafMqtt(t, { deviceId: LEAF_ID, key, port: edge.ports.mqtt, caFile: edge.edgeCaPath }).catch(() => undefined), { description: 'the leaf to connect', timeoutMs: 30_000, intervalMs: 300 });
  });

  afterAll(async () => {
    leaf?.end(true);
    tracker?.stop();
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('delivers every accepted message, in order per sender, after the cloud returns', async () => {
    const client = leaf as mqtt.MqttClient;
    const acked = new Set<number>();
    let next = 0;
    let inFlight = 0;
    let sending = true;
    const leafDone = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        while (sending && inFlight < 20) {
          const n = ++next;
          inFlight += 1;
          client.publish(`devices/${LEAF_ID}/messages/events/seq=${n}`, JSON.stringify({ n }), { qos: 1 }, (err) => {
            inFlight -= 1;
            if (!err) acked.add(n);
          });
        }
        if (!sending && inFlight === 0) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const producer = `${EDGE_ID}/producer`;
    await eventually(() => tracker.figures(producer).distinct >= 20 && tracker.figures(`${LEAF_ID}/`).distinct >= 20, { description: 'both senders to reach the cloud', timeoutMs: 60_000 });

    // The outage: the cloud goes away; the hub keeps accepting and storing.
    const ports = t.ports;
    await t.cloud.stop();
    const storedBefore = edge.hubStatus().counters.stored;
    const ackedAtStop = acked.size;
    // The outage lasts until OUTAGE_MESSAGES more messages were accepted and stored by the hub.
    await eventually(() => edge.hubStatus().counters.stored >= storedBefore + OUTAGE_MESSAGES, { description: `the hub to accept ${OUTAGE_MESSAGES} messages while the cloud is down`, timeoutMs: 60_000 });
    const ackedDuringOutage = acked.size - ackedAtStop;
    expect(ackedDuringOutage).toBeGreaterThan(100);

    t = await startTestCloud(cloudDir, { http: ports.http, https: ports.https, mqtt: ports.mqtt });
    await eventually(() => tracker.figures(producer).distinct > 0 && tracker.total() > 0 && acked.size > ackedAtStop + ackedDuringOutage + 100, { description: 'sending to go on after the cloud returned', timeoutMs: 60_000 });
    sending = false;
    await leafDone;
    const lastProducerSeq = (): number => tracker.figures(producer).distinct;

    // Every leaf message the hub acknowledged arrives; the producer's sequence is gapless from 1.
    await eventually(() => tracker.missing(`${LEAF_ID}/`, acked).length === 0, { description: `all ${acked.size} acknowledged leaf messages in the cloud`, timeoutMs: 90_000, intervalMs: 500 }).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${tracker.missing(`${LEAF_ID}/`, acked).length} missing`);
    });
    const producerSeqs = Array.from({ length: lastProducerSeq() }, (_, i) => i + 1);
    expect(tracker.missing(producer, producerSeqs)).toEqual([]);
    const leafFigures = tracker.figures(`${LEAF_ID}/`);
    const producerFigures = tracker.figures(producer);
    console.log(
      `cloud outage: leaf ${acked.size} acknowledged (${ackedDuringOutage} during the outage), ${leafFigures.distinct} arrived, ` +
        `${leafFigures.duplicates} duplicates; producer ${producerFigures.distinct} arrived, ${producerFigures.duplicates} duplicates`,
    );
    expect(leafFigures.outOfOrder).toBe(0);
    expect(producerFigures.outOfOrder).toBe(0);
  });
});

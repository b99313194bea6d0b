import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import device from 'azure-iot-device';
import deviceMqtt from 'azure-iot-device-mqtt';
import type { Device } from '@verge/api-client';
import type { DeadLetterSender } from '@verge/contracts';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, connectionStringOf, createEdgeDevice, createLeafDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { deadLetterOf, listDeadLetters, startTestEdge, producerToUpstream, runVerge } from '@verge/testkit/edge';
import { producerRuns, trackSeqs, type SeqTracker, startTcpProxy, type TcpProxy } from '@verge/testkit/faults';
import { sasCredentials, MqttProbe } from '@verge/testkit/mqtt';

// Issue 7, head-of-line blocking: a leaf device that is disabled, or whose keys are rotated, in the cloud while the
// hub holds its messages must not stop the upstream telemetry of everyone else (measured before the fix: 0 of 10
// module messages in 180 s). Its messages are parked (dead letters: management API, `verge edge dead-letters`), the
// cloud's refusal refreshes the hub's device scope at once (not hourly), so the old key stops working at the hub
// and a rotated leaf's parked messages go up with its new key; a disabled leaf's wait until it is re-enabled and
// an operator replays them. Nothing acknowledged is lost or duplicated.

const EDGE_ID = 'edge-hol';
const DISABLED_ID = 'leaf-disabled';
const ROTATED_ID = 'leaf-rotated';
const PER_LEAF = 5;

type SasKeys = { primaryKey: string; secondaryKey: string };
const newKeys = (): SasKeys => ({ primaryKey: randomBytes(32).toString('base64'), secondaryKey: randomBytes(32).toString('base64') });

describe('hub head-of-line: a disabled or key-rotated leaf with queued messages does not block the others', () => {
  const tmp = tempDir('verge-hol-');
  const edgeDir = join(tmp.dir, 'edge');
  let t: TestCloud;
  let edge: RunningEdge;
  let events: EventCollector;
  let seqs: SeqTracker;
  let disabledLeaf: Device;
  let rotatedLeaf: Device;
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    disabledLeaf = await createLeafDevice(t, DISABLED_ID, created.device);
    rotatedLeaf = await createLeafDevice(t, ROTATED_ID, created.device);
    events = collectEvents(t.api, EDGE_ID);
    seqs = trackSeqs(t.api);
    const manifest = producerToUpstream(200, { leaves: 'FROM /messages/* WHERE NOT IS_DEFINED($connectionModuleId) INTO $upstream' });
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);
    // The edge device dials the cloud's MQTT endpoint through a proxy: the test cuts it for an outage.
    proxy = await startTcpProxy(t.ports.mqtt);
    const connectionString = connectionStringOf(t, created.device, `localhost:${proxy.port}`);
    edge = await startTestEdge(t, { dataDir: edgeDir, connectionString, runtime: 'process' });
  });

  afterAll(async () => {
    events?.stop();
    seqs?.stop();
    await edge?.stop();
    await proxy?.close();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  const hubCs = (leaf: Device): string => connectionStringOf(t, leaf, `localhost:${edge.ports.mqtt}`);

  function updateLeaf(leaf: Device, change: { status?: 'enabled' | 'disabled'; keys?: SasKeys }): Promise<Device> {
    return t.api.devices.update({
      deviceId: leaf.deviceId,
      deviceScope: leaf.deviceScope ?? null,
      status: change.status ?? leaf.status,
      authentication: { type: 'sas', symmetricKey: change.keys ?? leaf.authentication.symmetricKey },
    });
  }

  async function openLeaf(cs: string): Promise<device.Client> {
    const client = device.Client.fromConnectionString(cs, deviceMqtt.Mqtt);
    await client.setOptions({ ca: edge.edgeCaPem });
    try {
      await client.open();
      return client;
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    }
  }

  /** Whether the hub accepts a CONNECT with these credentials (the unmodified SDK's open). */
  const accepted = (cs: string): Promise<boolean> =>
    openLeaf(cs).then(
      (c) => c.close().then(() => true, () => true),
      () => false,
    );

  /** Sends seq 1..PER_LEAF as the leaf; resolves with how many the hub acknowledged (PUBACK). */
  async function sendNumbered(cs: string): Promise<number> {
    const client = await openLeaf(cs);
    try {
      const sent = await Promise.allSettled(
        Array.from({ length: PER_LEAF }, (_, i) => {
          const m = new device.Message(JSON.stringify({ seq: i + 1 }));
          m.properties.add('seq', String(i + 1));
          m.messageId = `m-${i + 1}`;
          return client.sendEvent(m);
        }),
      );
      return sent.filter((r) => r.status === 'fulfilled').length;
    } finally {
      await client.close().catch(() => undefined);
    }
  }

  const producerSeqs = (): Set<number> => new Set([...producerRuns(events, 'producer').values()].flat());
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

  it('parks the leaves, keeps the module stream flowing, refuses the old keys, replays once re-enabled, loses and duplicates nothing', async () => {
    await eventually(() => events.bodiesOf('producer').length >= 3, { description: 'producer messages at the cloud', timeoutMs: 60_000 });
    const oldDisabledCs = hubCs(disabledLeaf);
    const oldRotatedCs = hubCs(rotatedLeaf);
    // In the cloud: one leaf disabled, the other's keys rotated. The hub's cached scope (hourly refresh) knows neither.
    disabledLeaf = await updateLeaf(disabledLeaf, { status: 'disabled' });
    rotatedLeaf = await updateLeaf(rotatedLeaf, { keys: newKeys() });

    // While the cloud is unreachable the hub authenticates both leaves from its cache and stores their messages.
    const outage = proxy as TcpProxy;
    outage.cut();
    expect(await sendNumbered(oldDisabledCs)).toBe(PER_LEAF);
    expect(await sendNumbered(oldRotatedCs)).toBe(PER_LEAF);
    const producerStored = edge.hubStatus().counters.stored - 2 * PER_LEAF;
    outage.restore();

    // The module's stream is not blocked behind the refused leaves: its backlog and 10 newer messages arrive.
    await eventually(() => producerSeqs().size >= producerStored + 10, { description: `the ${producerStored} producer messages stored up to the cloud's return and 10 more`, timeoutMs: 20_000 });

    // The disabled leaf's messages are dead letters (management API).
    const parked = await eventually(() => deadLetterOf(edge, DISABLED_ID), { description: 'the disabled leaf in the dead letters', timeoutMs: 15_000 });
    expect(parked).toMatchObject({ sender: DISABLED_ID, messages: PER_LEAF });

    // The cloud's refusal refreshed the scope: the rotated leaf's messages went up with its new key...
    await eventually(() => seqs.missing(`${ROTATED_ID}/`, range(PER_LEAF)).length === 0, { description: "the rotated leaf's messages at the cloud", timeoutMs: 15_000 });
    // ...and the hub refuses the old credentials promptly, accepting the new key.
    await eventually(async () => !(await accepted(oldRotatedCs)), { description: 'the old key of the rotated leaf to be refused at the hub', timeoutMs: 10_000, intervalMs: 500 });
    await eventually(async () => !(await accepted(oldDisabledCs)), { description: 'the disabled leaf to be refused at the hub', timeoutMs: 10_000, intervalMs: 500 });
    expect(await accepted(hubCs(rotatedLeaf))).toBe(true);

    // Re-enabled with new keys in the cloud, which the hub does not know yet (the refused logins above may have
    // scheduled a scope sync: let it run first). The CLI still lists the dead letters; an operator replays them.
    await eventually(() => !edge.hubStatus().scopeSyncPending, { description: 'no device-scope sync pending at the hub', timeoutMs: 10_000 });
    disabledLeaf = await updateLeaf(disabledLeaf, { status: 'enabled', keys: newKeys() });
    const listed = await runVerge(['edge', 'dead-letters', '--json', '--data', edgeDir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as DeadLetterSender[]).find((d) => d.sender === DISABLED_ID)).toMatchObject({ messages: PER_LEAF, reason: expect.any(String) });
    const replay = await runVerge(['edge', 'dead-letters', 'replay', '--sender', DISABLED_ID, '--json', '--data', edgeDir]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual([expect.objectContaining({ sender: DISABLED_ID, messages: PER_LEAF })]);
    await eventually(() => seqs.missing(`${DISABLED_ID}/`, range(PER_LEAF)).length === 0, { description: "the re-enabled leaf's parked messages at the cloud", timeoutMs: 20_000 });
    await eventually(async () => (await listDeadLetters(edge)).length === 0, { description: 'no dead letters left', timeoutMs: 10_000 });
    expect(await accepted(oldDisabledCs)).toBe(false);
    expect(await accepted(hubCs(disabledLeaf))).toBe(true);

    for (const id of [DISABLED_ID, ROTATED_ID]) expect(seqs.figures(`${id}/`)).toEqual({ distinct: PER_LEAF, duplicates: 0, outOfOrder: 0 });
  });

  it('a refused login refreshes the device scope: a new key works at the hub within seconds, the old one stops', async () => {
    const previousCs = hubCs(rotatedLeaf);
    rotatedLeaf = await updateLeaf(rotatedLeaf, { keys: newKeys() });
    const newCs = hubCs(rotatedLeaf);
    // The first attempt is refused (the cached scope holds the previous key) and asks for a sync; a later one gets in.
    await eventually(() => accepted(newCs), { description: 'the new key to be accepted at the hub', timeoutMs: 15_000, intervalMs: 500 });
    expect(await accepted(previousCs)).toBe(false);
  });

  it('a leaf connected through the hub is disconnected from the hub within seconds of being disabled in the cloud', async () => {
    const c = await MqttProbe.accepted({ port: edge.ports.mqtt, ca: edge.edgeCaPem }, sasCredentials({ host: 'localhost', clientId: ROTATED_ID, key: String(rotatedLeaf.authentication.symmetricKey.primaryKey) }));
    try {
      // The hub holds the leaf's upstream connection open while the leaf is connected.
      await eventually(async () => (await t.api.devices.get(ROTATED_ID)).connectionState === 'Connected', { description: 'the leaf connected at the cloud through the hub', timeoutMs: 10_000 });
      // The cloud drops that connection and refuses it again; the refusal refreshes the hub's scope, which drops the leaf.
      rotatedLeaf = await updateLeaf(rotatedLeaf, { status: 'disabled' });
      expect(await c.waitClosed(15_000)).toBe(true);
    } finally {
      c.end();
    }
  });
});

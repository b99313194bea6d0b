import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, createEdgeDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { startTestEdge, producerToUpstream } from '@verge/testkit/edge';
import { missingSeqs, producerRuns } from '@verge/testkit/faults';

// Issue 7, offline restart: the edge runtime restarts while the cloud is unreachable. Every message the hub
// acknowledged before the restart must reach the cloud once it is back: the hub must not drop a module's messages
// because it has no upstream credential for it yet (module keys derive from the device key and the generation ids
// the agent cached; a message without a credential stays queued until one is available).

const EDGE_ID = 'edge-offline';

describe('hub offline restart: acknowledged messages survive a restart while the cloud is down', () => {
  const tmp = tempDir('verge-offr-');
  const cloudDir = join(tmp.dir, 'cloud');
  const dataDir = join(tmp.dir, 'edge');
  let t: TestCloud;
  let edge: RunningEdge | undefined;
  let events: EventCollector;
  let connectionString: string;

  beforeAll(async () => {
    t = await startTestCloud(cloudDir);
    ({ connectionString } = await createEdgeDevice(t, EDGE_ID));
    events = collectEvents(t.api, EDGE_ID);
    const manifest = producerToUpstream(50);
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);
    edge = await startTestEdge(t, { dataDir, connectionString, runtime: 'process' });
  });

  afterAll(async () => {
    events?.stop();
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('delivers every message acknowledged before the restart once the cloud is back', async () => {
    await eventually(() => events.bodiesOf('producer').length >= 5, { description: 'producer messages at the cloud', timeoutMs: 60_000 });
    const ports = t.ports;
    await t.cloud.stop();
    const running = edge as RunningEdge;
    const storedAtOutage = running.hubStatus().counters.stored;
    await eventually(() => running.hubStatus().counters.stored >= storedAtOutage + 40, { description: '40 messages stored while the cloud is down', timeoutMs: 30_000 });
    await running.stop();
    // The producer counts from 1 per run and only after a PUBACK: the first run's acknowledged messages are 1..stored.
    const acknowledged = running.hubStatus().counters.stored;
    const firstRuns = [...producerRuns(events, 'producer').keys()];
    expect(firstRuns).toHaveLength(1);

    edge = await startTestEdge(t, { dataDir, connectionString, runtime: 'process' });
    const restarted = edge;
    await eventually(() => restarted.hubStatus().counters.stored >= 10, { description: 'the restarted runtime to store messages while offline', timeoutMs: 30_000 });
    t = await startTestCloud(cloudDir, ports);
    const firstRun = firstRuns[0] as number;
    await eventually(() => missingSeqs(producerRuns(events, 'producer').get(firstRun) ?? [], acknowledged).length === 0, { description: `all ${acknowledged} acknowledged messages of the first run at the cloud`, timeoutMs: 60_000 });
    expect(restarted.hubStatus().endpoints.flatMap((e) => e.priorities).reduce((n, p) => n + p.droppedPermanent, 0)).toBe(0);
  });
});

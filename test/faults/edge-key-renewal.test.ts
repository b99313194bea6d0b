import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, connectionStringOf, createEdgeDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { startTestEdge, producerToUpstream } from '@verge/testkit/edge';
import { missingSeqs, producerRuns } from '@verge/testkit/faults';

// A revoked key: the edge device's keys are renewed in the cloud (`verge device update --renew-key`) while its runtime
// runs. The cloud then refuses every upstream link (the device's, and its modules', whose keys derive from the device
// key). The modules go on publishing and the hub goes on acknowledging into its store; once the operator installs the
// new connection string and restarts the runtime, the agent re-derives the module identities' keys and every message
// acknowledged before, during and after the refusal reaches the cloud. Tried by hand first (session 8): no loss.

const EDGE_ID = 'edge-renewal';

describe('edge key renewal: the cloud refuses the old key; after a restart with the new one nothing is lost', () => {
  const tmp = tempDir('verge-renew-');
  const dataDir = join(tmp.dir, 'edge');
  let t: TestCloud;
  let edge: RunningEdge | undefined;
  let events: EventCollector;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const { connectionString } = await createEdgeDevice(t, EDGE_ID);
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

  it('keeps accepting while refused, and delivers every acknowledged message once restarted with the new key', async () => {
    await eventually(() => events.bodiesOf('producer').length >= 5, { description: 'producer messages at the cloud', timeoutMs: 60_000 });
    const running = edge as RunningEdge;
    const device = await t.api.devices.get(EDGE_ID);
    const renewed = await t.api.devices.update({
      ...device,
      authentication: { type: 'sas', symmetricKey: { primaryKey: randomBytes(32).toString('base64'), secondaryKey: randomBytes(32).toString('base64') } },
    });
    await eventually(() => !running.hubStatus().online, { description: 'the cloud to drop the hub (its key was renewed)' });
    const storedWhenRefused = running.hubStatus().counters.stored;
    await eventually(() => running.hubStatus().counters.stored >= storedWhenRefused + 20, { description: '20 messages accepted while the cloud refuses the device', timeoutMs: 30_000 });
    await running.stop();
    // The producer counts from 1 per run and only after a PUBACK: the first run's acknowledged messages are 1..stored.
    const acknowledged = running.hubStatus().counters.stored;
    const firstRuns = [...producerRuns(events, 'producer').keys()];
    expect(firstRuns).toHaveLength(1);
    const firstRun = firstRuns[0] as number;
    expect(missingSeqs(producerRuns(events, 'producer').get(firstRun) ?? [], acknowledged).length).toBeGreaterThanOrEqual(20);

    edge = await startTestEdge(t, { dataDir, connectionString: connectionStringOf(t, renewed, `localhost:${t.ports.mqtt}`), runtime: 'process' });
    await eventually(() => missingSeqs(producerRuns(events, 'producer').get(firstRun) ?? [], acknowledged).length === 0, {
      description: `all ${acknowledged} acknowledged messages of the first run at the cloud`,
      timeoutMs: 60_000,
    });
    await eventually(() => producerRuns(events, 'producer').size === 2, { description: 'the restarted producer\'s messages at the cloud', timeoutMs: 30_000 });
  });
});

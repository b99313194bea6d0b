import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, createEdgeDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { listManagedModules, startTestEdge, producerToUpstream } from '@verge/testkit/edge';
import { missingSeqs, producerRuns } from '@verge/testkit/faults';

// Issue 7, startup race: on a FIRST deployment a module that publishes the moment it connects must not lose its
// first messages. The hub is configured (routes from its `$edgeHub` twin) before the agent starts the module, and
// a message that still arrives before any route table is held and routed, never acknowledged and dropped.

const EDGE_ID = 'edge-race';

describe('hub startup race: a module that publishes at once on a first deployment', () => {
  const tmp = tempDir('verge-race-');
  let t: TestCloud;
  let edge: RunningEdge;
  let events: EventCollector;

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const { connectionString } = await createEdgeDevice(t, EDGE_ID);
    events = collectEvents(t.api, EDGE_ID);
    // The deployment waits in the cloud when the runtime starts for the first time: the agent gets it at once.
    const manifest = producerToUpstream(50);
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);
    // The hub gets usable routes only a few seconds after the agent has its deployment (its `$edgeHub` desired
    // properties are unusable until then): deterministic, whatever the machine's speed.
    const hub = { deviceId: EDGE_ID, moduleId: '$edgeHub' };
    await t.api.twins.update(hub, { properties: { desired: { schemaVersion: 'not-yet' } } });
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString, runtime: 'process' });
    await eventually(async () => (await t.api.twins.get(hub)).properties?.reported?.['lastDesiredStatus'] !== undefined, { description: 'the hub to refuse its first desired properties', timeoutMs: 30_000 });
    // The scenario: the routes come only once the agent holds the deployment and has created the module, whose start
    // now waits for the hub (the agent's gate); without the gate the module would publish into an empty route table.
    const created = await eventually(async () => (await listManagedModules(edge)).find((m) => m.id === 'producer'), { description: 'the agent to create the producer', timeoutMs: 30_000 });
    expect(created.runtimeStatus).not.toBe('running');
    await t.api.twins.update(hub, { properties: { desired: { schemaVersion: '1.1' } } });
  });

  afterAll(async () => {
    events?.stop();
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('delivers the module\'s stream from its very first message; nothing is dropped as unrouted', async () => {
    await eventually(() => (producerRuns(events, 'producer').values().next().value?.length ?? 0) >= 20, { description: '20 producer messages at the cloud', timeoutMs: 60_000 });
    const [seqs] = [...producerRuns(events, 'producer').values()];
    expect(missingSeqs(seqs ?? [], 20)).toEqual([]);
    expect(edge.hubStatus().counters.unrouted).toBe(0);
  });
});

import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { edgeCaPaths, type RunningEdge } from '@verge/edge';
import { buildNodeImage, createDockerTestRun, describeWithDocker, DEFAULT_NODE_IMAGE_TAG, type DockerTestRun } from '@verge/testkit/docker';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, createEdgeDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { startTestEdge, deployment, pipelineRoutes, type ModuleRunner, type PipelineIds, agentReported, expectInOrderWithoutGaps, expectPipelineMessages, filterSeqs, waitForRunning } from '@verge/testkit/edge';

// The pipeline with Docker modules: a real cloud, a real edge runtime in this process, a real Docker engine
// (DOCKER_HOST or the default socket). Both modules are UNMODIFIED Azure SDK programs run by the testkit's node
// image, with the repository's node_modules and test/e2e/modules bind-mounted read-only, on host networking.
// Module ids are unique to this suite so its containers never collide with another suite's on a shared engine.

const EDGE_ID = 'edge-docker';
const ids: PipelineIds = { producer: 'e2e-dproducer', filter: 'e2e-dfilter' };

describeWithDocker('edge runtime end to end with Docker modules', ({ docker }) => {
  const tmp = tempDir('verge-e2d-');
  const runId = randomUUID();
  let run: DockerTestRun;
  let t: TestCloud;
  let edge: RunningEdge;
  let edgeCs: string;
  let events: EventCollector;

  beforeAll(async () => {
    run = createDockerTestRun(docker, runId);
    await buildNodeImage(docker, { tag: DEFAULT_NODE_IMAGE_TAG });
    const runner: ModuleRunner = { kind: 'docker', image: DEFAULT_NODE_IMAGE_TAG, runId };
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    edgeCs = created.connectionString;
    events = collectEvents(t.api, EDGE_ID);
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: edgeCs, runtime: 'docker' });
    expect(edge.runtimes.docker).toBeDefined();
    const manifest = deployment(
      runner,
      { [ids.producer]: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '200' } }, [ids.filter]: { file: 'filter.mjs' } },
      { routes: pipelineRoutes(ids), moduleDesired: { [ids.filter]: { greeting: 'from the manifest' } } },
    );
    const applied = await applyConfigurationContent(t, EDGE_ID, manifest);
    expect(applied.status).toBe(204);
  });

  afterAll(async () => {
    events?.stop();
    await edge?.stop();
    await t?.cloud.stop();
    await run?.cleanup();
    tmp.cleanup();
  });

  it('starts both containers and the cloud shows them running', async () => {
    const reported = await waitForRunning(t, EDGE_ID, [ids.producer, ids.filter], 120_000);
    const mods = reported['modules'] as Record<string, { type: string; settings: { image: string; imageHash?: string } }>;
    expect(mods[ids.producer]?.type).toBe('docker');
    expect(mods[ids.producer]?.settings.imageHash).toMatch(/^sha256:/);
    const containers = await docker.listContainers({ filters: { label: [`verge-test-run=${runId}`] } });
    expect(containers.map((c) => c.Names[0]).sort()).toEqual([`/${ids.producer}`, `/${ids.filter}`].sort());
  });

  it('routes A → B input → $upstream; the messages reach /events with module B as sender', async () => {
    await expectPipelineMessages(events, EDGE_ID, 10, ids);
    expectInOrderWithoutGaps(filterSeqs(events, ids.filter));
  });

  it('delivers the manifest desired properties to the container module and reads its reported answer', async () => {
    const seen = await eventually(async () => {
      const twin = await t.api.twins.get({ deviceId: EDGE_ID, moduleId: ids.filter });
      return (twin.properties?.reported as Record<string, unknown> | undefined)?.['seenDesired'];
    }, { description: 'the module to report seenDesired', timeoutMs: 30_000 });
    expect(seen).toEqual({ greeting: 'from the manifest' });
  });

  it('carries a direct method to the container module and back', async () => {
    const result = await t.api.invokeMethod({ deviceId: EDGE_ID, moduleId: ids.filter }, { methodName: 'echo', payload: 'ping', responseTimeoutInSeconds: 15 });
    expect(result).toEqual({ status: 200, payload: { module: ids.filter, payload: 'ping' } });
  });

  it('adopts the running containers after a restart of the runtime, without restarting them', async () => {
    const inspect = async (name: string): Promise<{ id: string; startedAt: string; running: boolean }> => {
      const info = await docker.getContainer(name).inspect();
      return { id: info.Id, startedAt: info.State.StartedAt, running: info.State.Running };
    };
    const before = await Promise.all([inspect(ids.producer), inspect(ids.filter)]);
    const port = edge.ports.mqtt;
    await edge.stop();
    // Containers outlive the runtime (SIGTERM semantics: they are adopted, never stopped).
    expect((await Promise.all([inspect(ids.producer), inspect(ids.filter)])).map((c) => c.running)).toEqual([true, true]);
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: edgeCs, runtime: 'docker', mqttPort: port });
    const seen = filterSeqs(events, ids.filter).length;
    // The modules reconnect to the new hub by themselves (SDK retry); messages flow again.
    await eventually(() => filterSeqs(events, ids.filter).length > seen + 10, { description: 'messages after the restart', timeoutMs: 90_000, intervalMs: 500 });
    await eventually(async () => {
      const r = await agentReported(t, EDGE_ID);
      const mods = (r['modules'] ?? {}) as Record<string, { runtimeStatus?: string }>;
      return mods[ids.producer]?.runtimeStatus === 'running' && mods[ids.filter]?.runtimeStatus === 'running';
    }, { description: 'the restarted agent to report both running', timeoutMs: 30_000 });
    const after = await Promise.all([inspect(ids.producer), inspect(ids.filter)]);
    expect(after).toEqual(before);
    expectInOrderWithoutGaps(filterSeqs(events, ids.filter));
  });

  it('recreates the containers after the edge CA was replaced, so they trust the hub again', async () => {
    const idOf = async (name: string): Promise<string> => (await docker.getContainer(name).inspect()).Id;
    const before = await Promise.all([idOf(ids.producer), idOf(ids.filter)]);
    const port = edge.ports.mqtt;
    await edge.stop();
    // A new edge CA (as after its renewal): the hub's certificate is issued by it, the modules' trust bundle changes.
    const ca = edgeCaPaths(join(tmp.dir, 'edge'));
    rmSync(ca.cert);
    rmSync(ca.key);
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: edgeCs, runtime: 'docker', mqttPort: port });
    await eventually(async () => {
      const now = await Promise.all([idOf(ids.producer).catch(() => ''), idOf(ids.filter).catch(() => '')]);
      return now.every((id, i) => id !== '' && id !== before[i]);
    }, { description: 'both containers recreated', timeoutMs: 60_000 });
    const seen = filterSeqs(events, ids.filter).length;
    await eventually(() => filterSeqs(events, ids.filter).length > seen + 10, { description: 'messages through the hub with the new CA', timeoutMs: 90_000, intervalMs: 500 });
  });
});

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import { buildNodeImage, createDockerTestRun, describeWithDocker, DEFAULT_NODE_IMAGE_TAG, type DockerTestRun } from '@verge/testkit/docker';
import { eventually, tempDir } from '@verge/testkit';
import { applyConfigurationContent, collectEvents, createEdgeDevice, startTestCloud, type EventCollector, type TestCloud } from '@verge/testkit/cloud';
import { startTestEdge, deployment, pipelineRoutes, type PipelineIds, waitForRunning } from '@verge/testkit/edge';
import { startDockerOutageProxy, type DockerOutageProxy } from '@verge/testkit/faults';

// Issue 7: the Docker engine restarts under running container modules. The engine is shared (CI's private dockerd,
// used by other suites at the same time), so the restart is simulated at the one place the runtime sees it: the
// runtime's DOCKER_HOST points at a unix-socket proxy this test controls (`@verge/testkit/faults`, docker-outage-proxy.ts).
// The "restart": the proxy cuts every open connection (API calls, the events stream) and drops new ones, and the
// module containers are stopped through the real engine, as a dockerd restart without live-restore stops them.
// When the proxy forwards again, the agent must reconnect to the engine, bring the modules back to `running` and
// messages must flow through the pipeline again.

const EDGE_ID = 'edge-dockerd-restart';
const ids: PipelineIds = { producer: 'fault-drproducer', filter: 'fault-drfilter' };

describeWithDocker('Docker engine restart under running container modules', ({ docker }) => {
  const tmp = tempDir('verge-dr-');
  const runId = randomUUID();
  let run: DockerTestRun;
  let t: TestCloud;
  let edge: RunningEdge | undefined;
  let proxy: DockerOutageProxy;
  let events: EventCollector;

  beforeAll(async () => {
    run = createDockerTestRun(docker, runId);
    await buildNodeImage(docker, { tag: DEFAULT_NODE_IMAGE_TAG });
    const enginePath = (docker.modem as { socketPath?: string }).socketPath;
    if (typeof enginePath !== 'string') throw new Error('this test needs an engine on a unix socket (DOCKER_HOST=unix://…)');
    proxy = await startDockerOutageProxy(join(tmp.dir, 'docker.sock'), enginePath);
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    events = collectEvents(t.api, EDGE_ID);
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: created.connectionString, runtime: 'docker', env: { ...process.env, DOCKER_HOST: proxy.dockerHost } });
    const manifest = deployment(
      { kind: 'docker', image: DEFAULT_NODE_IMAGE_TAG, runId },
      { [ids.producer]: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '100' } }, [ids.filter]: { file: 'filter.mjs' } },
      { routes: pipelineRoutes(ids) },
    );
    expect((await applyConfigurationContent(t, EDGE_ID, manifest)).status).toBe(204);
  });

  afterAll(async () => {
    events?.stop();
    await edge?.stop();
    await t?.cloud.stop();
    await proxy?.close();
    await run?.cleanup();
    tmp.cleanup();
  });

  it('reconnects to the engine, brings the modules back to running, and messages flow again', async () => {
    await waitForRunning(t, EDGE_ID, [ids.producer, ids.filter], 120_000);
    await eventually(() => events.bodiesOf(ids.filter).length >= 5, { description: 'messages through the pipeline before the restart', timeoutMs: 60_000 });
    const containersBefore = await docker.listContainers({ filters: { label: [`verge-test-run=${runId}`] } });
    expect(containersBefore).toHaveLength(2);

    // The engine "restarts": connections cut and refused; the containers stop as without live-restore.
    await proxy.down();
    await Promise.all(containersBefore.map((c) => docker.getContainer(c.Id).stop({ t: 1 })));
    await eventually(() => proxy.refused >= 3, { description: 'the runtime to try the engine while it is down', timeoutMs: 60_000 });
    const forwardedBefore = proxy.accepted;
    // Counted while the modules are stopped: whatever arrives from here on was sent after the restart (counting once
    // they report running again would race with the restarted producer's first messages).
    const arrivedBefore = events.bodiesOf(ids.filter).length;

    // The engine is back.
    await proxy.up();
    await eventually(() => proxy.accepted > forwardedBefore, { description: 'the runtime to reach the engine again', timeoutMs: 60_000 });
    const running = await docker.listContainers({ filters: { label: [`verge-test-run=${runId}`], status: ['running'] } });
    await eventually(async () => (await docker.listContainers({ filters: { label: [`verge-test-run=${runId}`], status: ['running'] } })).length === 2, { description: 'both module containers running again', timeoutMs: 120_000 }).catch((err: unknown) => {
      throw new Error(`${String(err)} (running right after the engine came back: ${running.length})`);
    });
    await waitForRunning(t, EDGE_ID, [ids.producer, ids.filter], 120_000);
    // The restarted producer's messages get through the pipeline to the cloud (its seq starts again from 1).
    await eventually(() => events.bodiesOf(ids.filter).length >= arrivedBefore + 10, { description: 'messages from the restarted producer in the cloud', timeoutMs: 90_000 });
    expect(events.bodiesOf(ids.filter).slice(arrivedBefore).some((b) => b['seq'] === 1)).toBe(true);
  });
});

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import { buildNodeImage, createDockerTestRun, describeWithDocker, DEFAULT_NODE_IMAGE_TAG, TEST_RUN_LABEL, type DockerTestRun } from '@verge/testkit/docker';
import { eventually, tempDir } from '@verge/testkit';
import { edgeDeployment } from '@verge/testkit/manifest';
import { applyConfigurationContent, createEdgeDevice, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { agentReported, startTestEdge } from '@verge/testkit/edge';

// A container the user created holds the name a deployed module needs. The agent reports the conflict; once the user
// removes that container (what the message and docs/errors.md tell them to do), the module is created and runs
// without a new deployment.

const EDGE_ID = 'edge-docker-name-conflict';

describeWithDocker('a module whose container name is held by a container Verge does not own', ({ docker }) => {
  const tmp = tempDir('verge-e2nc-');
  const runId = randomUUID();
  const moduleId = `e2e-nc-${runId.slice(0, 8)}`;
  let run: DockerTestRun;
  let t: TestCloud;
  let edge: RunningEdge;

  beforeAll(async () => {
    run = createDockerTestRun(docker, runId);
    await buildNodeImage(docker, { tag: DEFAULT_NODE_IMAGE_TAG });
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: created.connectionString, runtime: 'docker' });
  });

  afterAll(async () => {
    await edge?.stop();
    await t?.cloud.stop();
    await run?.cleanup();
    tmp.cleanup();
  });

  const reportedModule = async (): Promise<{ runtimeStatus?: string; statusDescription?: string } | undefined> => {
    const modules = (await agentReported(t, EDGE_ID))['modules'] as Record<string, { runtimeStatus?: string; statusDescription?: string }> | undefined;
    return modules?.[moduleId];
  };

  it('is created and runs once the user removes the container holding its name', async () => {
    const holder = await docker.createContainer({ name: moduleId, Image: DEFAULT_NODE_IMAGE_TAG, Labels: { [TEST_RUN_LABEL]: runId } });
    const createOptions = { Cmd: ['node', '-e', 'setInterval(() => {}, 1000)'], Labels: { [TEST_RUN_LABEL]: runId }, HostConfig: { NetworkMode: 'host' } };
    const module = { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', imagePullPolicy: 'never', settings: { image: DEFAULT_NODE_IMAGE_TAG, createOptions: JSON.stringify(createOptions) } };
    expect((await applyConfigurationContent(t, EDGE_ID, edgeDeployment({ modules: { [moduleId]: module }, routes: {} }))).status).toBe(204);
    const refused = await eventually(async () => {
      const m = await reportedModule();
      return m?.statusDescription?.includes("without this runtime's owner label") === true ? m : undefined;
    }, { description: 'the agent to report the name conflict', timeoutMs: 60_000 });
    expect(refused.statusDescription).toContain(holder.id.slice(0, 12));

    await holder.remove({ force: true });
    await eventually(async () => (await reportedModule())?.runtimeStatus === 'running', { description: 'the module to run after the conflicting container is gone', timeoutMs: 60_000 });
    const info = await docker.getContainer(moduleId).inspect();
    expect(info.Id).not.toBe(holder.id);
    expect(info.State.Running).toBe(true);
  });
});

import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  buildNodeImage,
  createDockerTestRun,
  DEFAULT_NODE_IMAGE_TAG,
  describeWithDocker,
  NODE_IMAGE_HASH_LABEL,
  readContainerLogs,
  TEST_RUN_LABEL,
  waitForExit,
  type DockerTestRun,
} from '@verge/testkit/docker';

describeWithDocker('docker smoke: node image built from this host, run with host networking', (ctx) => {
  let run: DockerTestRun;
  let imageId: string;

  beforeAll(async () => {
    run = createDockerTestRun(ctx.docker);
    imageId = await buildNodeImage(ctx.docker, { tag: DEFAULT_NODE_IMAGE_TAG });
  });

  afterAll(async () => {
    if (run !== undefined) expect(await run.cleanup()).toBe(0);
  });

  test('the image carries its content hash and runs node by default', async () => {
    const info = await ctx.docker.getImage(imageId).inspect();
    expect(info.Config.Labels?.[NODE_IMAGE_HASH_LABEL]).toMatch(/^[0-9a-f]{64}$/);
    expect(info.Config.Cmd).toEqual(['node']);
    expect(info.RepoTags).toContain(DEFAULT_NODE_IMAGE_TAG);
  });

  test('a second build reuses the cached image', async () => {
    expect(await buildNodeImage(ctx.docker, { tag: DEFAULT_NODE_IMAGE_TAG })).toBe(imageId);
  });

  test('node prints from inside a container on the host network and exits 0', async () => {
    const container = await run.start({
      Image: imageId,
      Cmd: ['node', '-e', "console.log('hello from verge')"],
      HostConfig: { NetworkMode: 'host' },
    });
    const info = await container.inspect();
    expect(info.Config.Labels[TEST_RUN_LABEL]).toBe(run.runId);
    expect(info.HostConfig.NetworkMode).toBe('host');

    expect(await waitForExit(container, 60_000)).toBe(0);
    const logs = await readContainerLogs(container);
    expect(logs.stdout.split('\n')).toContain('hello from verge');
    expect(logs.stderr).toBe('');

    await container.remove();
    const remaining = await ctx.docker.listContainers({ all: true, filters: { label: [`${TEST_RUN_LABEL}=${run.runId}`] } });
    expect(remaining).toEqual([]);
  });

  test('stderr and a non-zero exit code come back separately; cleanup removes what a test left behind', async () => {
    const result = await run.runToExit(
      { Image: imageId, Cmd: ['node', '-e', "console.error('to stderr'); process.exit(3)"], HostConfig: { NetworkMode: 'host' } },
      60_000,
    );
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe('to stderr\n');
    expect(result.stdout).toBe('');
    expect(await run.cleanup()).toBe(1);
  });
});

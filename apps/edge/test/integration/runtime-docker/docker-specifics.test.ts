import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Dockerode from 'dockerode';
import { DEFAULT_NODE_IMAGE_TAG, TEST_RUN_LABEL, buildNodeImage, describeWithDocker, removeTestContainers } from '@verge/testkit/docker';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { DockerModuleRuntime, VERGE_LABELS, containerNameFor } from '../../../src/runtime/index.js';
import { dockerSpec } from '../runtime-process/specs.js';
import { startFakeRegistry, type FakeRegistry } from './fake-registry.js';

// What only the Docker adapter does: pulls with registry credentials and their failure classes, an engine that
// cannot be reached, container names of unusual module ids, name conflicts with foreign containers, TTY logs,
// loggingOptions, and what the created container looks like.

describeWithDocker('docker runtime specifics', ({ docker, endpoint }) => {
  const runId = randomUUID();
  const ownerId = `owner-${runId}`;
  let registry: FakeRegistry;
  let runtime: DockerModuleRuntime;
  const pulledTags: string[] = [];

  beforeAll(async () => {
    await buildNodeImage(docker, { tag: DEFAULT_NODE_IMAGE_TAG });
    registry = await startFakeRegistry(docker, DEFAULT_NODE_IMAGE_TAG, 'verge/node', 'pulled', 'puller', 's3cret');
    runtime = new DockerModuleRuntime({ docker, endpoint, ownerId });
  }, 300_000);

  afterEach(async () => {
    await removeTestContainers(docker, runId);
  });

  afterAll(async () => {
    await registry?.close();
    for (const tag of pulledTags) await docker.getImage(tag).remove().catch(() => undefined);
  });

  const spec = (id: string, script: string, extra: Record<string, unknown> = {}) => {
    const base = dockerSpec(id, DEFAULT_NODE_IMAGE_TAG, runId, { script });
    const createOptions = { ...base.settings.createOptions, ...extra };
    return { ...base, settings: { ...base.settings, createOptions, createOptionsJson: JSON.stringify(createOptions) } };
  };

  it('pulls with the credential of the image registry (HTTP Basic), consuming the progress to the end', async () => {
    const image = `${registry.host}/verge/node:pulled`;
    pulledTags.push(image);
    expect(await runtime.hasImage(image)).toBe(false);
    await runtime.pullImage(image, { username: 'puller', password: 's3cret', address: registry.host });
    expect(await runtime.hasImage(image)).toBe(true);
    expect(await runtime.listImages()).toContain(image);
    expect(registry.authorizations).toContain(`Basic ${Buffer.from('puller:s3cret').toString('base64')}`);
  });

  it.each([
    ['a wrong password', 'verge/node:pulled', { username: 'puller', password: 'wrong' }, 'AGT_IMAGE_PULL_UNAUTHORIZED'],
    ['no credential', 'verge/node:pulled', undefined, 'AGT_IMAGE_PULL_UNAUTHORIZED'],
    ['a tag the registry does not have', 'verge/node:missing', { username: 'puller', password: 's3cret' }, 'AGT_IMAGE_NOT_FOUND'],
  ])('a pull with %s fails permanently (%s)', async (_name, path, credential, code) => {
    const image = `${registry.host}/${path}`;
    const error = await runtime.pullImage(image, credential && { ...credential, address: registry.host }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, kind: 'permanent' });
    expect((error as Error).message).toMatch(new RegExp(`^pulling "${image.replace(/[.]/g, '\\.')}" failed: `));
  });

  it('a pull from a registry that does not answer fails retryably; a malformed reference permanently', async () => {
    expect(await runtime.pullImage('127.0.0.1:1/verge/none:1').catch((e: unknown) => e)).toMatchObject({ code: 'AGT_IMAGE_PULL_FAILED', kind: 'retryable' });
    expect(await runtime.pullImage('Bad/UPPER:case').catch((e: unknown) => e)).toMatchObject({ code: 'AGT_IMAGE_REFERENCE_INVALID', kind: 'permanent' });
  });

  it('an engine that cannot be reached is a prerequisite failure for every call', async () => {
    const down = new DockerModuleRuntime({ docker: new Dockerode({ socketPath: '/nonexistent/docker.sock' }), endpoint: 'unix:///nonexistent/docker.sock', ownerId });
    const expected = { code: 'AGT_RUNTIME_UNAVAILABLE', kind: 'prerequisite' };
    expect(await down.observe().catch((e: unknown) => e)).toMatchObject(expected);
    expect(await down.listImages().catch((e: unknown) => e)).toMatchObject(expected);
    expect(await down.pullImage('busybox:1').catch((e: unknown) => e)).toMatchObject(expected);
    expect(await down.createModule(spec('down', ''), { configHash: 'h', env: {} }).catch((e: unknown) => e)).toMatchObject(expected);
    expect(await down.startModule('down').catch((e: unknown) => e)).toMatchObject(expected);
  });

  it('names the container after the module, sanitised, and keeps the real id in a label', async () => {
    const id = `odd:id+${runId.slice(0, 6)}`;
    await runtime.createModule(spec(id, 'setInterval(()=>{},1000)'), { configHash: 'h1', env: { IOTEDGE_MODULEID: id } });
    const info = await docker.getContainer(containerNameFor(id)).inspect();
    expect(info.Name).toBe(`/${containerNameFor(id)}`);
    expect(info.Config.Labels[VERGE_LABELS.moduleId]).toBe(id);
    expect(info.HostConfig.RestartPolicy).toMatchObject({ Name: 'no' });
    expect(info.Config.Env).toContain(`IOTEDGE_MODULEID=${id}`);
    expect((await runtime.observe()).map((m) => m.id)).toEqual([id]);
  });

  it('creates and starts a module whose id is one character long (Docker refuses one-character names)', async () => {
    const id = 'v';
    await runtime.createModule(spec(id, 'setInterval(()=>{},1000)'), { configHash: 'h1', env: { IOTEDGE_MODULEID: id } });
    await runtime.startModule(id);
    const info = await docker.getContainer(containerNameFor(id)).inspect();
    expect(info.Config.Labels[VERGE_LABELS.moduleId]).toBe(id);
    expect((await runtime.observe()).map((m) => [m.id, m.state])).toEqual([[id, 'running']]);
  });

  it('keeps the container of a module whose createOptions ask the engine to remove it on exit, with its exit code', async () => {
    const id = `autorm-${runId.slice(0, 8)}`;
    await runtime.createModule(spec(id, "console.log('bye');process.exit(3)", { HostConfig: { NetworkMode: 'host', AutoRemove: true } }), { configHash: 'h', env: {} });
    await runtime.startModule(id);
    const exited = await eventually(async () => (await runtime.observe()).find((m) => m.id === id && m.state === 'exited'), {
      description: 'the module observed exited (not removed by the engine)',
    });
    expect(exited.exitCode).toBe(3);
    const texts: string[] = [];
    for await (const line of runtime.logs(id)) texts.push(line.text);
    expect(texts).toEqual(['bye']);
  });

  it('refuses a name held by a container it does not own, retryably (removing that container is the way out); its own container retryably', async () => {
    const id = `taken-${runId.slice(0, 8)}`;
    const holder = await docker.createContainer({ name: id, Image: DEFAULT_NODE_IMAGE_TAG, Labels: { [TEST_RUN_LABEL]: runId } });
    const foreign = await runtime.createModule(spec(id, ''), { configHash: 'h', env: {} }).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ code: 'AGT_RUNTIME_NAME_CONFLICT', kind: 'retryable' });
    expect(await runtime.observe()).toEqual([]);
    await holder.remove({ force: true });
    await runtime.createModule(spec(id, ''), { configHash: 'h', env: {} });
    expect((await runtime.observe()).map((m) => m.id)).toEqual([id]);
    const mine = `mine-${runId.slice(0, 8)}`;
    await runtime.createModule(spec(mine, ''), { configHash: 'h', env: {} });
    expect(await runtime.createModule(spec(mine, ''), { configHash: 'h', env: {} }).catch((e: unknown) => e)).toMatchObject({ code: 'AGT_RUNTIME_MODULE_EXISTS', kind: 'retryable' });
  });

  it('reads a line longer than the 16 KiB the engine stores per log message as that one line, without a timestamp inside', async () => {
    const id = `longline-${runId.slice(0, 8)}`;
    const line = `{"big":"${'x'.repeat(40_000)}"}`;
    await runtime.createModule(spec(id, `console.log(${JSON.stringify(line)});console.log('after');setInterval(()=>{},1000)`), { configHash: 'h', env: {} });
    await runtime.startModule(id);
    const texts = await eventually(
      async () => {
        const seen: string[] = [];
        for await (const l of runtime.logs(id)) seen.push(l.text);
        return seen.includes('after') ? seen : undefined;
      },
      { description: "the module's line 'after' in its logs" },
    );
    expect(texts).toEqual([line, 'after']);
  });

  it('reads the last lines since a time from a large log without holding the whole log in memory', async () => {
    const id = `biglog-${runId.slice(0, 8)}`;
    const sinceMs = Date.now() - 60_000;
    // 200 MB of log lines, then 'done'.
    const script = "const s='y'.repeat(1000)+'\\n';let n=0;const w=()=>{while(n<200000){n++;if(!process.stdout.write(s))return process.stdout.once('drain',w)}console.log('done')};w();setInterval(()=>{},1000)";
    await runtime.createModule(spec(id, script), { configHash: 'h', env: {} });
    await runtime.startModule(id);
    const lastLine = async (): Promise<string | undefined> => {
      for await (const line of runtime.logs(id, { tail: 1 })) return line.text;
      return undefined;
    };
    await eventually(async () => (await lastLine()) === 'done', { description: 'the module to finish writing its 200 MB of logs', timeoutMs: 60_000 });
    // Buffers left as garbage by earlier work (the image upload) would hide or fake a rise: collect them first.
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 2);
    const texts: string[] = [];
    try {
      for await (const line of runtime.logs(id, { tail: 2, sinceMs })) texts.push(line.text);
    } finally {
      clearInterval(sampler);
    }
    expect(texts).toEqual(['y'.repeat(1000), 'done']);
    expect(peak - baseline).toBeLessThan(96 * 1024 * 1024);
  }, 90_000);

  it('reads the logs of a TTY container (one raw stream) and applies loggingOptions', async () => {
    const id = `tty-${runId.slice(0, 8)}`;
    await runtime.createModule(spec(id, "console.log('on a tty');setInterval(()=>{},1000)", { Tty: true }), {
      configHash: 'h',
      env: {},
      loggingOptions: '{"type":"json-file","config":{"max-size":"1m","max-file":"2"}}',
    });
    await runtime.startModule(id);
    const texts = await eventually(
      async () => {
        const seen: string[] = [];
        for await (const line of runtime.logs(id)) seen.push(line.text);
        return seen.includes('on a tty') ? seen : undefined;
      },
      { description: "the module's line 'on a tty' in its logs" },
    );
    expect(texts).toContain('on a tty');
    const info = await docker.getContainer(id).inspect();
    expect(info.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } });
  });

  it('refuses createOptions of the wrong shape before calling the engine', async () => {
    const error = await runtime.createModule(spec(`bad-${runId.slice(0, 8)}`, '', { Env: 'A=1' }), { configHash: 'h', env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AGT_RUNTIME_SPEC_INVALID', kind: 'permanent', message: 'settings.createOptions.Env must be an array of strings' });
  });
});

import { randomUUID } from 'node:crypto';
import { DEFAULT_NODE_IMAGE_TAG, buildNodeImage, describeWithDocker, removeTestContainers } from '@verge/testkit/docker';
import { eventually } from '@verge/testkit';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { DockerModuleRuntime, VERGE_LABELS } from '../../../src/runtime/index.js';
import { dockerSpec } from '../runtime-process/specs.js';

// `--container-prefix` (issue 11): two edge runtimes on one engine (two owner ids, two prefixes) run the same
// module id side by side; what one does to its module (stop, remove, observe, events) never touches the other's.

describeWithDocker('docker runtime: container prefix, two runtimes on one engine', ({ docker, endpoint }) => {
  const runId = randomUUID();
  const short = runId.slice(0, 8);
  const moduleId = `sensor-${short}`;
  const spec = dockerSpec(moduleId, DEFAULT_NODE_IMAGE_TAG, runId, { script: 'setInterval(()=>{},1000)' });
  const runtime = (name: string, containerPrefix: string): DockerModuleRuntime =>
    new DockerModuleRuntime({ docker, endpoint, ownerId: `owner-${name}-${runId}`, containerPrefix });

  beforeAll(async () => {
    await buildNodeImage(docker, { tag: DEFAULT_NODE_IMAGE_TAG });
  }, 300_000);

  afterEach(async () => {
    await removeTestContainers(docker, runId);
  });

  const state = async (name: string): Promise<string | undefined> => (await docker.getContainer(name).inspect().catch(() => undefined))?.State.Status;

  it('runs the same module id under two prefixes; stopping and removing one leaves the other running', async () => {
    const a = runtime('a', `a${short}-`);
    const b = runtime('b', `b${short}-`);
    await a.createModule(spec, { configHash: 'h', env: {} });
    await b.createModule(spec, { configHash: 'h', env: {} });
    await a.startModule(moduleId);
    await b.startModule(moduleId);
    const nameA = `a${short}-${moduleId}`;
    const nameB = `b${short}-${moduleId}`;
    expect([await state(nameA), await state(nameB)]).toEqual(['running', 'running']);
    const infoB = await docker.getContainer(nameB).inspect();
    expect(infoB.Config.Labels[VERGE_LABELS.moduleId]).toBe(moduleId);
    expect((await a.observe()).map((m) => [m.id, m.state])).toEqual([[moduleId, 'running']]);
    expect((await b.observe()).map((m) => [m.id, m.state])).toEqual([[moduleId, 'running']]);

    // b watches its events while a stops and removes its module: b hears nothing of it.
    const watching = new AbortController();
    const heardByB: string[] = [];
    const listening = (async () => {
      for await (const event of b.events(watching.signal)) heardByB.push(event.kind === 'module' ? `${event.moduleId} ${event.action}` : event.kind);
    })();
    // The stream is live once b hears a pause of its own container (probed until it does).
    const containerB = docker.getContainer(nameB);
    await eventually(
      async () => {
        if (!heardByB.includes(`${moduleId} paused`)) await containerB.pause().then(() => containerB.unpause());
        return heardByB.includes(`${moduleId} unpaused`) || undefined;
      },
      { description: "b's event stream to be live" },
    );
    heardByB.splice(0);
    await a.stopModule(moduleId, 1_000);
    expect(await state(nameA)).toBe('exited');
    expect(await state(nameB)).toBe('running');
    await a.removeModule(moduleId);
    expect(await state(nameA)).toBeUndefined();
    expect(await a.observe()).toEqual([]);
    expect((await b.observe()).map((m) => [m.id, m.state])).toEqual([[moduleId, 'running']]);

    // Then b's own stop is heard by b (so its stream was live all along), and it is all b heard: a stop of a's
    // container would have added a second "exited"/"stopped" pair, its removal a "removed".
    await b.stopModule(moduleId, 1_000);
    await eventually(() => heardByB.includes(`${moduleId} stopped`) || undefined, { description: "b's own stop event" });
    watching.abort();
    await listening;
    expect(heardByB.filter((e) => e !== 'resync')).toEqual([`${moduleId} exited`, `${moduleId} stopped`]);
    expect(await state(nameB)).toBe('exited');
  });

  it('a restarted runtime (same owner, same prefix) adopts only its own container', async () => {
    await runtime('a', `a${short}-`).createModule(spec, { configHash: 'h', env: {} });
    await runtime('b', `b${short}-`).createModule(spec, { configHash: 'h', env: {} });
    const again = runtime('a', `a${short}-`);
    const [only] = await again.observe();
    expect(only?.id).toBe(moduleId);
    await again.removeModule(moduleId);
    expect(await state(`a${short}-${moduleId}`)).toBeUndefined();
    expect(await state(`b${short}-${moduleId}`)).toBe('created');
  });

  it('two runtimes with the same prefix collide on the name: the second is refused, told to give each its own prefix', async () => {
    const prefix = `same${short}-`;
    await runtime('a', prefix).createModule(spec, { configHash: 'h', env: {} });
    const refused = await runtime('b', prefix).createModule(spec, { configHash: 'h', env: {} }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'AGT_RUNTIME_NAME_CONFLICT', kind: 'permanent' });
    expect((refused as Error).message).toMatch(
      new RegExp(`^module "${moduleId}" needs the container name "${prefix}${moduleId}", which container [0-9a-f]{12} holds for another edge runtime on this engine; give each runtime its own --container-prefix$`),
    );
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveModuleKey } from '@verge/core';
import { createAgent, type Agent } from '../../../src/agent/create-agent.js';
import { FakeClock, advanceUntil, advanceUntilSettled, silentLog } from '@verge/testkit';
import { FakeRegistry } from './support/fake-registry.js';
import { FakeRuntime } from './support/fake-runtime.js';
import { FakeTwinClient } from './support/fake-twin.js';
import { edgeAgentDesired, processModule } from '@verge/testkit/manifest';
import { TEST_ENVIRONMENT } from './support/agent-environment.js';
import { createLogger } from '@verge/platform';

const DEVICE_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(dir?: string) {
  const stateDir = dir ?? (await mkdtemp(join(tmpdir(), 'verge-agent-')));
  if (dir === undefined) cleanup.push(() => rm(stateDir, { recursive: true, force: true }));
  const clock = new FakeClock();
  const runtime = new FakeRuntime('process', () => clock.now);
  const registry = new FakeRegistry(DEVICE_KEY);
  const twin = new FakeTwinClient();
  const keys: string[] = [];
  const agent: Agent = createAgent({
    environment: TEST_ENVIRONMENT,
    deviceKey: DEVICE_KEY,
    stateDir,
    runtimes: { process: runtime },
    identityRegistry: registry,
    upstream: { hubHostName: 'hub.example', deviceId: 'edge1', host: 'localhost', port: 1 },
    twinClient: (key) => {
      keys.push(key);
      return twin;
    },
    log: process.env['AGENT_DEBUG'] ? createLogger({ service: 't', level: 'debug' }) : silentLog(),
    clock,
    rng: () => 0.5,
  });
  cleanup.push(() => agent.stop());
  /** Lets the agent work (fake time moving, real I/O in between) until `check` holds. */
  const until = (check: () => boolean | Promise<boolean>): Promise<void> => advanceUntil(clock, check);
  /** Lets the agent work until `promise` settles; its outcome. */
  const settled = <T>(promise: Promise<T>): Promise<T> => advanceUntilSettled(clock, promise);
  const states = async (): Promise<string[][]> => (await runtime.observe()).map((m) => [m.id, m.state]);
  return { stateDir, clock, runtime, registry, twin, keys, agent, until, settled, states };
}

describe('createAgent', () => {
  it('connects as $edgeAgent with the derived key, deploys from the twin and reports running modules', async () => {
    const h = await setup();
    h.twin.desired = { ...edgeAgentDesired({ modA: processModule('a'), modB: processModule('b') }), $version: 2 };
    await h.agent.start();
    await h.until(async () => JSON.stringify(await h.states()) === '[["modA","running"],["modB","running"]]' && (h.twin.reported['modules'] as Record<string, { runtimeStatus?: string }> | undefined)?.['modB']?.runtimeStatus === 'running');
    const generationId = h.registry.modules.get('$edgeAgent')?.generationId ?? '';
    expect(h.keys).toEqual([deriveModuleKey(DEVICE_KEY, '$edgeAgent', generationId, 'primary')]);
    expect(h.agent.connected).toBe(true);
    expect((await h.runtime.observe()).map((m) => [m.id, m.state])).toEqual([
      ['modA', 'running'],
      ['modB', 'running'],
    ]);
    expect(h.runtime.envOf('modA')['IOTEDGE_MODULEGENERATIONID']).toBe(h.registry.modules.get('modA')?.generationId);
    expect(h.agent.resolveModule('modA')).toEqual({ generationId: h.registry.modules.get('modA')?.generationId });
    expect(h.agent.resolveModule('$edgeHub')).toEqual({ generationId: h.registry.modules.get('$edgeHub')?.generationId });
    expect(h.agent.resolveModule('nope')).toBeUndefined();
    expect(h.twin.reported).toMatchObject({
      lastDesiredVersion: 2,
      lastDesiredStatus: { code: 200 },
      modules: { modA: { runtimeStatus: 'running' }, modB: { runtimeStatus: 'running' } },
      systemModules: { edgeHub: { runtimeStatus: 'running' } },
    });
  });

  it('follows desired patches: removes a module and its identity, reports it as null', async () => {
    const h = await setup();
    h.twin.desired = { ...edgeAgentDesired({ modA: processModule('a'), modB: processModule('b') }), $version: 2 };
    await h.agent.start();
    await h.until(async () => (await h.states()).length === 2 && (await h.states()).every(([, s]) => s === 'running'));
    h.twin.setDesired(edgeAgentDesired({ modA: processModule('a') }));
    await h.until(async () => (await h.states()).length === 1 && h.twin.reported['lastDesiredVersion'] === 3 && !h.registry.modules.has('modB') && Object.keys(h.twin.reported['modules'] as object).length === 1);
    expect((await h.runtime.observe()).map((m) => m.id)).toEqual(['modA']);
    expect(h.registry.modules.has('modB')).toBe(false);
    expect(h.twin.reported['modules']).toEqual({ modA: expect.objectContaining({ runtimeStatus: 'running' }) });
    expect(h.twin.reported['lastDesiredVersion']).toBe(3);
  });

  it('answers ping, reports 406 when stopping, closes runtime and client', async () => {
    const h = await setup();
    h.twin.desired = { ...edgeAgentDesired({}), $version: 2 };
    await h.agent.start();
    await h.until(() => h.twin.methodHandler !== undefined && h.twin.reported['lastDesiredVersion'] === 2);
    expect(await h.twin.methodHandler?.({ methodName: 'ping', payload: null, rid: '1' })).toEqual({ status: 200, payload: null });
    await h.settled(h.agent.stop());
    expect(h.twin.reported['lastDesiredStatus']).toEqual({ code: 406, description: 'edgeAgent is shutting down' });
    expect(h.runtime.closed).toBe(true);
    expect(h.twin.closed).toBe(true);
  });

  it('closes the runtimes even when closing the cloud link fails (no stop step skips the others)', async () => {
    const h = await setup();
    h.twin.desired = { ...edgeAgentDesired({}), $version: 2 };
    await h.agent.start();
    await h.until(() => h.twin.methodHandler !== undefined && h.twin.reported['lastDesiredVersion'] === 2);
    h.twin.close = () => Promise.reject(new Error('the socket is gone'));
    await expect(h.settled(h.agent.stop())).resolves.toBeUndefined();
    expect(h.twin.reported['lastDesiredStatus']).toEqual({ code: 406, description: 'edgeAgent is shutting down' });
    expect(h.runtime.closed).toBe(true);
  });

  it('restarts offline from the backup and keeps working without the cloud', async () => {
    const first = await setup();
    first.twin.desired = { ...edgeAgentDesired({ modA: processModule('a') }), $version: 2 };
    await first.agent.start();
    await first.until(async () => JSON.stringify(await first.states()) === '[["modA","running"]]');
    await first.settled(first.agent.stop());
    const second = await setup(first.stateDir);
    second.registry.failing = true;
    second.twin.failWith = new Error('offline');
    await second.agent.start();
    await second.until(async () => second.keys.length === 1 && JSON.stringify(await second.states()) === '[["modA","running"]]');
    // The identity cache gave $edgeAgent's generation id without the cloud, and the backup the deployment.
    expect(second.keys).toHaveLength(1);
    expect((await second.runtime.observe()).map((m) => [m.id, m.state])).toEqual([['modA', 'running']]);
  });
});

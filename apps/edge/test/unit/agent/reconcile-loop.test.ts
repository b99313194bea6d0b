import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PLAN_POLICY, EMPTY_LEDGER, desiredStateFromConfig, type JsonObject } from '@verge/core';
import { injectedModuleEnv, runtimeFingerprint } from '../../../src/agent/agent-environment.js';
import { DesiredConfig } from '../../../src/agent/desired-config.js';
import { createExecutors } from '../../../src/agent/executors.js';
import { LedgerStore } from '../../../src/agent/ledger-store.js';
import { ReconcileLoop, type PassResult } from '../../../src/agent/reconcile-loop.js';
import { buildReportedProperties } from '../../../src/agent/reported-properties.js';
import { PrerequisiteError } from '../../../src/agent/step-errors.js';
import { FakeClock, advanceUntil, settle, silentLog } from '@verge/testkit';
import { FakeRuntime } from './support/fake-runtime.js';
import { edgeAgentDesired, processModule } from '@verge/testkit/manifest';
import { TEST_ENVIRONMENT } from './support/agent-environment.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function harness(stateDir?: string) {
  const dir = stateDir ?? (await mkdtemp(join(tmpdir(), 'verge-loop-')));
  if (stateDir === undefined) dirs.push(dir);
  const clock = new FakeClock();
  const runtime = new FakeRuntime('process', () => clock.now);
  const config = DesiredConfig.in(dir);
  const ledgerStore = LedgerStore.in(dir);
  const passes: PassResult[] = [];
  const desired = () => {
    const c = config.reading.config;
    return c === undefined ? undefined : desiredStateFromConfig(c, { runtimeFingerprint: runtimeFingerprint(TEST_ENVIRONMENT) });
  };
  const runtimes = { process: runtime };
  const loop = new ReconcileLoop(
    {
      runtimes,
      executors: createExecutors({ runtimes, credential: () => undefined, moduleEnv: async (s) => injectedModuleEnv(TEST_ENVIRONMENT, s, `gen-${s.id}`) }),
      ledgerStore,
      desired,
      onPass: (p) => void passes.push(p),
      clock,
      log: silentLog(),
      policy: DEFAULT_PLAN_POLICY,
      rng: () => 0.5,
    },
    await ledgerStore.load(),
  );
  const report = (): JsonObject => {
    const last = passes.at(-1);
    return buildReportedProperties(TEST_ENVIRONMENT, {
      reading: config.reading,
      desired: last?.desired,
      observation: last?.observation,
      ledger: loop.ledger,
      plan: last?.steps,
      nowMs: clock.now,
      policy: DEFAULT_PLAN_POLICY,
      runtimeStartedAtMs: clock.now,
    });
  };
  /** Runs passes while they execute steps (1 ms apart); returns the delay the last one asked for. */
  const converge = async (maxPasses = 20): Promise<number> => {
    for (let i = 0; i < maxPasses; i++) {
      const delay = await loop.runPass();
      if (delay > 0) return delay;
      clock.now += 1;
    }
    throw new Error('did not converge');
  };
  return { dir, clock, runtime, config, ledgerStore, loop, passes, report, converge };
}

describe('reconcile loop', () => {
  it('deploys, converges and reports running modules', async () => {
    const h = await harness();
    expect(await h.config.accept({ ...edgeAgentDesired({ modA: processModule('a'), modB: processModule('b', ['x'], { startupOrder: 1 }) }), $version: 3 })).toBe('applied');
    const delay = await h.converge();
    expect(delay).toBe(5_000);
    // modB has startupOrder 1, modA the default (4294967295): modB first (reference §1.3).
    expect(h.runtime.calls.map((c) => c.slice(0, 2))).toEqual([
      ['createModule', 'modB'],
      ['createModule', 'modA'],
      ['startModule', 'modB'],
      ['startModule', 'modA'],
    ]);
    expect(h.runtime.envOf('modB')).toMatchObject({
      IOTEDGE_MODULEID: 'modB',
      IOTEDGE_DEVICEID: 'edge1',
      IOTEDGE_IOTHUBHOSTNAME: 'hub.example',
      IOTEDGE_GATEWAYHOSTNAME: 'gateway.local',
      IOTEDGE_AUTHSCHEME: 'sasToken',
      IOTEDGE_MODULEGENERATIONID: 'gen-modB',
      IOTEDGE_WORKLOADURI: 'unix:///data/workload/modB/workload.sock',
    });
    const report = h.report();
    expect(report).toMatchObject({ schemaVersion: '1.0', lastDesiredVersion: 3, lastDesiredStatus: { code: 200, description: '' } });
    expect((report['modules'] as Record<string, { runtimeStatus: string }>)['modA']?.runtimeStatus).toBe('running');
    expect((report['modules'] as Record<string, { runtimeStatus: string }>)['modB']?.runtimeStatus).toBe('running');
    expect(report['systemModules']).toMatchObject({ edgeAgent: { runtimeStatus: 'running' }, edgeHub: { runtimeStatus: 'running' } });
  });

  it('plans nothing before the first deployment', async () => {
    const h = await harness();
    expect(await h.loop.runPass()).toBe(5_000);
    expect(h.runtime.calls).toEqual([]);
    expect(h.report()['lastDesiredStatus']).toEqual({ code: 417, description: 'no deployment has been received yet' });
  });

  it('refuses an invalid deployment with 400 and the path, and leaves the modules running', async () => {
    const h = await harness();
    await h.config.accept({ ...edgeAgentDesired({ modA: processModule('a') }), $version: 2 });
    await h.converge();
    const calls = h.runtime.calls.length;
    const broken = edgeAgentDesired({ modA: processModule('a', [], { status: 'sleeping' }) });
    expect(await h.config.accept({ ...broken, $version: 3 })).toBe('refused');
    await h.converge();
    expect(h.runtime.calls.length).toBe(calls);
    expect((await h.runtime.observe()).map((m) => [m.id, m.state])).toEqual([['modA', 'running']]);
    const report = h.report();
    expect(report['lastDesiredVersion']).toBe(3);
    expect(report['lastDesiredStatus']).toMatchObject({ code: 400 });
    expect((report['lastDesiredStatus'] as { description: string }).description).toContain('modules.modA.status');
    expect(await h.config.accept({ ...edgeAgentDesired({}), schemaVersion: '2.0', $version: 4 })).toBe('refused');
    expect(h.report()['lastDesiredStatus']).toMatchObject({ code: 412 });
  });

  it('restarts a crashing module with the planner backoff (10, 20, 40 s …) and stops at 20 restarts', async () => {
    const h = await harness();
    h.runtime.crashes.set('modA', 1);
    await h.config.accept({ ...edgeAgentDesired({ modA: processModule('a') }), $version: 5 });
    const starts: number[] = [];
    for (let i = 0; i < 5_000 && starts.length < 22; i++) {
      const before = h.runtime.calls.length;
      const delay = await h.loop.runPass();
      for (const call of h.runtime.calls.slice(before)) if (call[0] === 'startModule') starts.push(h.clock.now);
      await h.clock.advance(delay === 0 ? 1 : delay);
    }
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    // The first restart waits 10 s after the exit, then 20, 40, 80, 160 s, then 300 s (reference §2.5).
    expect(gaps.slice(0, 7).map((g) => Math.round(g / 1000))).toEqual([10, 20, 40, 80, 160, 300, 300]);
    expect(starts).toHaveLength(21); // the first start and 20 restarts
    const report = h.report();
    expect((report['modules'] as Record<string, { runtimeStatus: string; restartCount: number }>)['modA']).toMatchObject({ runtimeStatus: 'failed', restartCount: 20 });
    // Thousands of reconcile passes on the fake clock (each saves the ledger): seconds of real time on a busy machine.
  }, 30_000);

  it('persists the ledger so that restart counts survive a runtime restart', async () => {
    const h = await harness();
    h.runtime.crashes.set('modA', 2);
    await h.config.accept({ ...edgeAgentDesired({ modA: processModule('a') }), $version: 7 });
    for (let i = 0; i < 100 && (h.loop.ledger.health.get('modA')?.restartCount ?? 0) < 3; i++) await h.clock.advance((await h.loop.runPass()) || 1);
    const counted = h.loop.ledger.health.get('modA');
    expect(counted?.restartCount).toBeGreaterThanOrEqual(2);
    const reloaded = await LedgerStore.in(h.dir).load();
    expect(reloaded.health.get('modA')).toEqual(counted);
    const second = await harness(h.dir);
    await second.config.loadBackup();
    expect(second.loop.ledger.health.get('modA')).toEqual(counted);
  });

  it('drops the batch and backs off the whole loop while the runtime is unreachable', async () => {
    const h = await harness();
    await h.config.accept({ ...edgeAgentDesired({ modA: processModule('a') }), $version: 2 });
    h.runtime.down = new PrerequisiteError('AGT_RUNTIME_UNAVAILABLE', 'engine down');
    expect(await h.loop.runPass()).toBe(1_000);
    expect(await h.loop.runPass()).toBe(2_000);
    expect(await h.loop.runPass()).toBe(4_000);
    expect(h.passes.at(-1)?.error?.message).toBe('engine down');
    expect(h.loop.ledger).toEqual(EMPTY_LEDGER);
    h.runtime.down = undefined;
    await h.converge();
    expect((await h.runtime.observe()).map((m) => m.state)).toEqual(['running']);
  });

  it('runs by itself, woken by runtime events', async () => {
    const h = await harness();
    await h.config.accept({ ...edgeAgentDesired({ modA: processModule('a', [], { restartPolicy: 'never' }) }), $version: 2 });
    h.loop.start();
    const until = (check: () => boolean | Promise<boolean>): Promise<void> => advanceUntil(h.clock, check, { stepMs: 1 });
    await until(async () => (await h.runtime.observe()).some((m) => m.state === 'running'));
    expect((await h.runtime.observe()).map((m) => m.state)).toEqual(['running']);
    await until(() => h.clock.pendingTimers > 0);
    const passes = h.passes.length;
    h.runtime.exit('modA', 3);
    await until(() => h.passes.length > passes);
    await settle();
    expect(h.passes.length).toBeGreaterThan(passes);
    expect((h.report()['modules'] as Record<string, { runtimeStatus: string }>)['modA']?.runtimeStatus).toBe('failed');
    await h.loop.stop();
  });
});

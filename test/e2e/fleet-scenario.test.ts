import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '@verge/edge';
import type { ConfigurationMetricDevicesDto, ConfigurationPlanDto, EffectiveDeploymentDto } from '@verge/contracts';
import { startFleetSimulator, type FleetSimulator } from '@verge/simulator';
import { eventually, tempDir } from '@verge/testkit';
import { createEdgeDevice, observedDeviceChange, startTestCloud, type ModuleDesiredMap, type TestCloud } from '@verge/testkit/cloud';
import { deployment, startTestEdge, waitForRunning, type ModuleRunner } from '@verge/testkit/edge';

// The fleet side end to end (issue 10): four simulated IoT Edge devices (`@verge/simulator`, real TLS MQTT as each
// device's `$edgeAgent`) and one real edge runtime (in-process, process modules) under automatic deployments made
// by the cloud's evaluator. Targeting by tags, a layer over the base, a higher-priority deployment overriding both,
// devices moving between deployments when their tags change, metrics with the devices behind them, explain naming
// the layer behind each path, and a dry-run that predicts exactly what the apply then writes.

const EDGE_ID = 'fleet-real';
const runner: ModuleRunner = { kind: 'process', node: process.execPath };
const UP = 'FROM /messages/modules/producer/outputs/* INTO $upstream';

function producerDeployment(build: string): ReturnType<typeof deployment> {
  return deployment(runner, { producer: { file: 'producer.mjs', env: { SEND_INTERVAL_MS: '60000', BUILD: build } } }, { routes: { up: UP }, moduleDesired: { producer: { threshold: 1 } } });
}

describe('a fleet of simulated devices and a real edge runtime under layered, prioritised deployments', () => {
  const tmp = tempDir('verge-e2e-fleet-scenario-');
  let t: TestCloud;
  let edge: RunningEdge;
  let fleet: FleetSimulator;
  let sims: string[];
  let all: string[];

  const metricDevices = (id: string): Promise<ConfigurationMetricDevicesDto['systemMetrics']> => t.api.configurations.metricDevices(id).then((m) => m.systemMetrics);
  /** Waits until deployment `id`'s system metrics list exactly these devices (sorted by the cloud). */
  const untilMetrics = (id: string, want: Partial<Record<keyof ConfigurationMetricDevicesDto['systemMetrics'], string[]>>): Promise<unknown> =>
    eventually(
      async () => {
        const got = await metricDevices(id);
        return Object.entries(want).every(([k, v]) => JSON.stringify(got[k as keyof typeof got]) === JSON.stringify([...v].sort())) ? got : undefined;
      },
      { description: `${id}'s metrics to be ${JSON.stringify(want)}`, timeoutMs: 60_000 },
    );
  const effective = (deviceId: string): Promise<EffectiveDeploymentDto> => t.ok('GET', `/devices/${deviceId}/effective`) as Promise<EffectiveDeploymentDto>;
  const desiredBuild = async (deviceId: string): Promise<string | undefined> => {
    const modules = (await t.moduleTwin(deviceId, '$edgeAgent')).properties.desired['modules'] as Record<string, { env?: Record<string, { value: string }> }> | undefined;
    return modules?.['producer']?.env?.['BUILD']?.value;
  };

  beforeAll(async () => {
    t = await startTestCloud(join(tmp.dir, 'cloud'));
    const created = await createEdgeDevice(t, EDGE_ID);
    await t.api.twins.update({ deviceId: EDGE_ID }, { tags: { env: 'prod', ring: 'canary' } });
    edge = await startTestEdge(t, { dataDir: join(tmp.dir, 'edge'), connectionString: created.connectionString, runtime: 'process' });
    fleet = await startFleetSimulator({ api: t.api, mqtt: { host: '127.0.0.1', port: t.mqttPort, ca: t.caPem }, devices: 4, prefix: 'fleet-sim', tags: { env: 'prod' } });
    sims = fleet.devices.map((d) => d.deviceId);
    all = [EDGE_ID, ...sims];
  });

  afterAll(async () => {
    await fleet?.stop();
    await edge?.stop();
    await t?.cloud.stop();
    tmp.cleanup();
  });

  it('targets by tags, layers over the base and explains which deployment set each part', async () => {
    await t.api.configurations.create({ id: 'fleet-base', priority: 10, targetCondition: "tags.env='prod'", content: producerDeployment('v1') });
    await t.api.configurations.create({
      id: 'fleet-layer',
      priority: 20,
      targetCondition: "tags.env='prod'",
      content: { modulesContent: { $edgeHub: { 'properties.desired.routes.audit': 'FROM /messages/modules/producer/* INTO $upstream' }, producer: { 'properties.desired.threshold': 7 } } },
    });
    await untilMetrics('fleet-base', { targetedCount: all, appliedCount: all, reportedSuccessfulCount: all, reportedFailedCount: [] });
    await untilMetrics('fleet-layer', { targetedCount: all, appliedCount: all });
    const reported = await waitForRunning(t, EDGE_ID, ['producer']);
    expect(reported['lastDesiredStatus']).toMatchObject({ code: 200 });
    expect((await t.moduleTwin(EDGE_ID, 'producer')).properties.desired['threshold']).toBe(7);

    const e = await effective(EDGE_ID);
    expect(e.deployments.map((d) => `${d.deploymentId}:${d.outcome}`)).toEqual(['fleet-layer:layer', 'fleet-base:base']);
    const set = (moduleId: string, path: string) => e.provenance.find((p) => p.moduleId === moduleId && p.path === path);
    expect(set('$edgeAgent', 'modules.producer')).toMatchObject({ kind: 'module', deploymentId: 'fleet-base', priority: 10 });
    expect(set('$edgeHub', 'routes.up')).toMatchObject({ kind: 'route', deploymentId: 'fleet-base' });
    expect(set('$edgeHub', 'routes.audit')).toMatchObject({ kind: 'route', deploymentId: 'fleet-layer', priority: 20 });
    expect(set('producer', 'threshold')).toMatchObject({ kind: 'path', deploymentId: 'fleet-layer', overridden: [{ deploymentId: 'fleet-base', priority: 10 }] });
    expect(e.inSync).toBe(true);
  });

  it('a dry-run predicts exactly what the higher-priority deployment then writes, and the devices run it', async () => {
    const canary = sims[0]!;
    await t.api.twins.update({ deviceId: canary }, { tags: { ring: 'canary' } });
    const draft = { id: 'fleet-canary', priority: 30, targetCondition: "tags.env='prod' AND tags.ring='canary'", content: producerDeployment('v2') };
    const before = new Map<string, ModuleDesiredMap>();
    for (const id of all) before.set(id, await t.moduleDesiredAll(id));

    const plan = (await t.ok('POST', '/configurations/plan', draft)) as ConfigurationPlanDto;
    expect(plan.totals).toMatchObject({ targeted: 2, devicesChanging: 2 });
    expect(plan.devices.filter((d) => d.outcome === 'base').map((d) => d.deviceId).sort()).toEqual([EDGE_ID, canary].sort());
    expect((await t.rest('GET', '/configurations/fleet-canary')).status).toBe(404);

    await t.api.configurations.create(draft);
    await untilMetrics('fleet-canary', { targetedCount: [EDGE_ID, canary], appliedCount: [EDGE_ID, canary], reportedSuccessfulCount: [EDGE_ID, canary] });
    await untilMetrics('fleet-base', { targetedCount: all, appliedCount: sims.slice(1) });
    // The layer (priority 20) is below the new base (30) on the canaries: IoT Hub applies a layer only above its base.
    await untilMetrics('fleet-layer', { appliedCount: sims.slice(1) });

    for (const id of all) {
      const observed = observedDeviceChange(before.get(id)!, await t.moduleDesiredAll(id));
      const planned = plan.devices.find((d) => d.deviceId === id);
      if (planned === undefined) {
        expect(observed.replaced, `${id} was not in the plan, so nothing of it may change`).toEqual([]);
        continue;
      }
      expect(observed.replaced, `${id}: the twins the plan said it replaces`).toEqual(planned.steps.filter((s) => s.action === 'replaceDesired').map((s) => s.moduleId).sort());
      expect(observed.modules, `${id}: the modules the plan said change`).toEqual(planned.summary.modules);
    }
    expect(await desiredBuild(EDGE_ID)).toBe('v2');
    expect(await desiredBuild(sims[1]!)).toBe('v1');
    const e = await effective(EDGE_ID);
    expect(e.deployments.map((d) => `${d.deploymentId}:${d.outcome}`)).toEqual(['fleet-canary:base', 'fleet-layer:outranked', 'fleet-base:outranked']);
    expect(e.provenance.find((p) => p.path === 'routes.audit')).toBeUndefined();
    // The real runtime runs the new build: the reported version is the desired one, with success.
    const agent = await t.moduleTwin(EDGE_ID, '$edgeAgent');
    expect(agent.properties.reported['lastDesiredVersion']).toBe(agent.properties.desired['$version']);
    await waitForRunning(t, EDGE_ID, ['producer']);
  });

  it('moves devices between deployments when their tags change', async () => {
    const canary = sims[0]!;
    await t.api.twins.update({ deviceId: canary }, { tags: { ring: null } });
    await untilMetrics('fleet-canary', { targetedCount: [EDGE_ID], reportedSuccessfulCount: [EDGE_ID] });
    await untilMetrics('fleet-base', { appliedCount: sims, reportedSuccessfulCount: sims });
    expect(await desiredBuild(canary)).toBe('v1');
    await eventually(() => fleet.device(canary)?.acknowledged?.version === fleet.device(canary)?.desiredVersion && fleet.device(canary)?.acknowledged?.code === 200, {
      description: `${canary} to report success for its new desired version`,
    });

    await t.api.twins.update({ deviceId: EDGE_ID }, { tags: { ring: 'stable' } });
    await untilMetrics('fleet-canary', { targetedCount: [], appliedCount: [] });
    await untilMetrics('fleet-base', { appliedCount: all, reportedSuccessfulCount: all });
    await untilMetrics('fleet-layer', { appliedCount: all });
    expect(await desiredBuild(EDGE_ID)).toBe('v1');
    await waitForRunning(t, EDGE_ID, ['producer']);
    const e = await effective(EDGE_ID);
    expect(e.deployments.map((d) => `${d.deploymentId}:${d.outcome}`)).toEqual(['fleet-layer:layer', 'fleet-base:base']);
    expect(e.statuses).toEqual({ 'fleet-layer': 'Applied', 'fleet-base': 'Applied' });
  });
});

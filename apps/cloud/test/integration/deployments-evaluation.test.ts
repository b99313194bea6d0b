import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';

// Event-driven evaluation of automatic deployments against a real cloud (SQLite): targeting by tags, priority,
// layering, devices moving between deployments, statuses on `$edgeAgent`, metrics, and the start-up pass.

type Twin = { properties: { desired: Record<string, unknown>; reported: Record<string, unknown> }; configurations?: Record<string, { status: string }> };
type Configuration = { systemMetrics: { results: Record<string, number> }; metrics: { results: Record<string, number> } };

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

const moduleTwin = async (deviceId: string, moduleId: string) =>
  (await cloud.ok('GET', `/twins/${encodeURIComponent(deviceId)}/modules/${encodeURIComponent(moduleId)}`)) as Twin;
const agentModules = async (deviceId: string) => Object.keys(((await moduleTwin(deviceId, '$edgeAgent')).properties.desired.modules ?? {}) as object).sort();
const statuses = async (deviceId: string) => (await moduleTwin(deviceId, '$edgeAgent')).configurations ?? {};

async function edgeDevice(deviceId: string, tags: Record<string, unknown>): Promise<void> {
  await cloud.createDevice(deviceId, { edge: true });
  await cloud.ok('PATCH', `/twins/${deviceId}`, { tags });
}

function standard(id: string, priority: number, targetCondition: string, modules: string[], extra: Record<string, unknown> = {}) {
  const deployment = edgeDeployment({
    modules: Object.fromEntries(modules.map((m) => [m, processModule('node', [`${m}.js`])])),
    routes: { [`${id}Route`]: 'FROM /messages/* INTO $upstream' },
    moduleDesired: { [modules[0] as string]: { owner: id } },
  });
  return { id, priority, targetCondition, content: deployment, ...extra };
}

/** Waits until `check` holds (evaluation is asynchronous). */
function until<T>(description: string, check: () => Promise<T | undefined | false>): Promise<T> {
  return eventually(async () => (await check()) || undefined, { timeoutMs: 15_000, description }) as Promise<T>;
}

describe('deployment evaluation', () => {
  it('targets devices by tags; the highest priority wins (ties: the newest); statuses are Applied/Targeted and queryable', async () => {
    await edgeDevice('eval-a', { environment: 'eval-prod' });
    await edgeDevice('eval-b', { environment: 'eval-dev' });
    await cloud.ok('PUT', '/configurations/eval-low', standard('eval-low', 10, "tags.environment='eval-prod'", ['low']));
    await cloud.ok('PUT', '/configurations/eval-high', standard('eval-high', 20, "tags.environment='eval-prod'", ['high']));
    await until('eval-a to get eval-high', async () => JSON.stringify(await agentModules('eval-a')) === '["high"]');
    expect(await statuses('eval-a')).toEqual({ 'eval-high': { status: 'Applied' }, 'eval-low': { status: 'Targeted' } });
    expect((await moduleTwin('eval-a', 'high')).properties.desired).toMatchObject({ owner: 'eval-high' });
    expect(((await moduleTwin('eval-a', '$edgeHub')).properties.desired.routes as object)).toEqual({ 'eval-highRoute': 'FROM /messages/* INTO $upstream' });
    // Not targeted: untouched.
    expect(await agentModules('eval-b')).toEqual([]);

    // Equal priority: the most recently created wins.
    await cloud.ok('PUT', '/configurations/eval-tie', standard('eval-tie', 20, "tags.environment='eval-prod'", ['tie']));
    await until('eval-a to get eval-tie', async () => JSON.stringify(await agentModules('eval-a')) === '["tie"]');
    expect(await statuses('eval-a')).toEqual({ 'eval-tie': { status: 'Applied' }, 'eval-high': { status: 'Targeted' }, 'eval-low': { status: 'Targeted' } });

    const rows = (await cloud.ok('POST', '/devices/query', {
      query: "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND configurations.[[eval-tie]].status = 'Applied'",
    })) as { deviceId: string }[];
    expect(rows.map((r) => r.deviceId)).toEqual(['eval-a']);
    for (const id of ['eval-low', 'eval-high', 'eval-tie']) await cloud.ok('DELETE', `/configurations/${id}`);
  });

  it('layers a layered deployment above its base: modules and routes merge', async () => {
    await edgeDevice('layer-a', { site: 'layer' });
    await cloud.ok('PUT', '/configurations/layer-base', standard('layer-base', 10, "tags.site='layer'", ['sensor']));
    await cloud.ok('PUT', '/configurations/layer-top', {
      id: 'layer-top',
      priority: 20,
      targetCondition: "tags.site='layer'",
      content: {
        modulesContent: {
          $edgeAgent: { 'properties.desired.modules.metrics': processModule('node', ['metrics.js']) },
          $edgeHub: { 'properties.desired.routes.metricsUp': 'FROM /messages/modules/metrics/* INTO $upstream' },
          metrics: { 'properties.desired': { intervalSecs: 60 } },
        },
      },
    });
    await until('layer-a to get both', async () => JSON.stringify(await agentModules('layer-a')) === '["metrics","sensor"]');
    const routes = (await moduleTwin('layer-a', '$edgeHub')).properties.desired.routes;
    expect(Object.keys(routes as object).sort()).toEqual(['layer-baseRoute', 'metricsUp']);
    expect((await moduleTwin('layer-a', 'metrics')).properties.desired).toMatchObject({ intervalSecs: 60 });
    expect(await statuses('layer-a')).toEqual({ 'layer-base': { status: 'Applied' }, 'layer-top': { status: 'Applied' } });
    for (const id of ['layer-base', 'layer-top']) await cloud.ok('DELETE', `/configurations/${id}`);
  });

  it('moves a device whose tags change; a new device joining the target gets the content; deletion leaves modules', async () => {
    await cloud.ok('PUT', '/configurations/move-x', standard('move-x', 10, "tags.team='x'", ['xmod']));
    await cloud.ok('PUT', '/configurations/move-y', standard('move-y', 10, "tags.team='y'", ['ymod']));
    await edgeDevice('move-a', { team: 'x' });
    await until('move-a to get move-x', async () => JSON.stringify(await agentModules('move-a')) === '["xmod"]');
    await cloud.ok('PATCH', '/twins/move-a', { tags: { team: 'y' } });
    await until('move-a to move to move-y', async () => JSON.stringify(await agentModules('move-a')) === '["ymod"]');
    expect(await statuses('move-a')).toEqual({ 'move-y': { status: 'Applied' } });

    // A device created later: targeted by its id at once, then by its tags.
    await cloud.ok('PUT', '/configurations/move-id', standard('move-id', 5, "deviceId='move-c'", ['idmod']));
    await cloud.createDevice('move-c', { edge: true });
    await until('move-c to get move-id', async () => JSON.stringify(await agentModules('move-c')) === '["idmod"]');
    await cloud.ok('DELETE', '/configurations/move-id');
    // A device created later with matching tags.
    await edgeDevice('move-b', { team: 'y' });
    await until('move-b to get move-y', async () => JSON.stringify(await agentModules('move-b')) === '["ymod"]');

    // Deleting the deployment: modules stay, the status goes.
    await cloud.ok('DELETE', '/configurations/move-y');
    await until('move-a statuses to drop move-y', async () => Object.keys(await statuses('move-a')).length === 0);
    expect(await agentModules('move-a')).toEqual(['ymod']);
    await cloud.ok('DELETE', '/configurations/move-x');
  });

  it('counts targeted, applied, successful and failed devices from the $edgeAgent twins, and custom metrics', async () => {
    for (const id of ['m-1', 'm-2', 'm-3']) await edgeDevice(id, { metrics: 'yes' });
    await edgeDevice('m-other', { metrics: 'no' });
    await cloud.ok('PUT', '/configurations/metrics-dep', {
      ...standard('metrics-dep', 10, "tags.metrics='yes'", ['app']),
      metrics: { queries: { failing: "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND properties.reported.lastDesiredStatus.code = 500" } },
    });
    await until('three devices applied', async () => {
      const c = (await cloud.ok('GET', '/configurations/metrics-dep')) as Configuration;
      return c.systemMetrics.results.appliedCount === 3;
    });
    const report = async (deviceId: string, code: number) => {
      const twin = await moduleTwin(deviceId, '$edgeAgent');
      await cloud.cloud.services.twins.patchReported({ deviceId, moduleId: '$edgeAgent' }, { lastDesiredVersion: twin.properties.desired.$version, lastDesiredStatus: { code } });
    };
    await report('m-1', 200);
    await report('m-2', 500);
    const c = (await cloud.ok('GET', '/configurations/metrics-dep')) as Configuration;
    expect(c.systemMetrics.results).toEqual({ targetedCount: 3, appliedCount: 3, reportedSuccessfulCount: 1, reportedFailedCount: 1 });
    expect(c.metrics.results).toEqual({ failing: 1 });
    const devices = await cloud.ok('GET', '/configurations/metrics-dep/metrics');
    expect(devices).toEqual({
      id: 'metrics-dep',
      systemMetrics: { targetedCount: ['m-1', 'm-2', 'm-3'], appliedCount: ['m-1', 'm-2', 'm-3'], reportedSuccessfulCount: ['m-1'], reportedFailedCount: ['m-2'] },
      metrics: { failing: ['m-2'] },
    });
    await cloud.ok('DELETE', '/configurations/metrics-dep');
  });

  it('evaluates every device at start: a deployment stored while evaluation was down applies after a restart', async () => {
    await edgeDevice('start-a', { boot: 'yes' });
    await cloud.cloud.services.automaticDeployments.stop();
    await cloud.ok('PUT', '/configurations/start-dep', standard('start-dep', 10, "tags.boot='yes'", ['bootmod']));
    expect(await agentModules('start-a')).toEqual([]);
    await cloud.restart();
    await until('start-a to get start-dep', async () => JSON.stringify(await agentModules('start-a')) === '["bootmod"]');
    await cloud.ok('DELETE', '/configurations/start-dep');
  });
});


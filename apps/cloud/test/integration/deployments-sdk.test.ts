import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import { serviceClient, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';

// Automatic deployments through the unmodified azure-iothub Registry (addConfiguration, getConfiguration,
// getConfigurations, updateConfiguration, removeConfiguration) against a real cloud on SQLite.

const { Registry } = iothub;
type Configuration = Parameters<InstanceType<typeof Registry>['addConfiguration']>[0];
type SdkError = Error & { response?: { statusCode: number }; responseBody?: string };

let cloud: TestCloud;
let registry: InstanceType<typeof Registry>;

beforeAll(async () => {
  cloud = await startTestCloud();
  registry = serviceClient(Registry, cloud);
});
afterAll(async () => {
  await cloud?.stop();
});

function aConfiguration(id: string, extra: Partial<Configuration> & Record<string, unknown> = {}): Configuration {
  return {
    id,
    content: edgeDeployment({ modules: { sim: processModule('node', ['sim.js']) }, routes: { up: 'FROM /messages/* INTO $upstream' } }),
    targetCondition: "tags.environment='prod'",
    priority: 10,
    labels: { team: 'fleet' },
    metrics: { queries: { running: "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND properties.reported.modules.sim.runtimeStatus = 'running'" } },
    ...extra,
  } as Configuration;
}

async function failure(p: Promise<unknown>): Promise<{ status: number; body: { code: string; message: string; details?: { path?: string } } }> {
  try {
    await p;
  } catch (e) {
    const err = e as SdkError;
    return { status: err.response?.statusCode ?? 0, body: JSON.parse(err.responseBody ?? '{}') as never };
  }
  throw new Error('expected the call to fail');
}

describe('azure-iothub Registry configuration calls', () => {
  it('adds, reads, lists, updates (etag and forceUpdate) and removes a deployment', async () => {
    const added = (await registry.addConfiguration(aConfiguration('sdk-base'))).responseBody as unknown as Record<string, unknown>;
    expect(added).toMatchObject({ id: 'sdk-base', schemaVersion: '1.0', priority: 10, labels: { team: 'fleet' }, targetCondition: "tags.environment='prod'", contentType: 'assignment' });
    expect(added.etag).toEqual(expect.any(String));
    expect(added.systemMetrics).toMatchObject({ results: { targetedCount: 0, appliedCount: 0, reportedSuccessfulCount: 0, reportedFailedCount: 0 } });
    expect(added.metrics).toMatchObject({ results: { running: 0 } });

    const got = (await registry.getConfiguration('sdk-base')).responseBody as Configuration;
    expect(got.content).toEqual(aConfiguration('x').content);
    expect(typeof got.createdTimeUtc).toBe('string');

    const list = (await registry.getConfigurations()).responseBody as Configuration[];
    expect(list.map((c) => c.id)).toContain('sdk-base');

    const updated = (await registry.updateConfiguration({ ...got, priority: 20, targetCondition: "tags.environment='prod' AND tags.ring=1" })).responseBody as Configuration;
    expect(updated).toMatchObject({ priority: 20, targetCondition: "tags.environment='prod' AND tags.ring=1" });
    expect(updated.etag).not.toBe(got.etag);

    // A stale etag is refused (412); forceUpdate (If-Match: *) goes through.
    const stale = await failure(registry.updateConfiguration({ ...got, priority: 30 }));
    expect(stale.status).toBe(412);
    const forced = (await registry.updateConfiguration({ ...got, priority: 30 }, true)).responseBody as Configuration;
    expect(forced.priority).toBe(30);

    await registry.removeConfiguration('sdk-base');
    expect((await failure(registry.getConfiguration('sdk-base'))).status).toBe(404);
  });

  it('refuses a second add of the same id (409), a missing one (404 on get, update and remove)', async () => {
    await registry.addConfiguration(aConfiguration('sdk-twice'));
    const again = await failure(registry.addConfiguration(aConfiguration('sdk-twice')));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CLD_CONFIGURATION_ALREADY_EXISTS');
    expect((await failure(registry.getConfiguration('sdk-none'))).body.code).toBe('CLD_CONFIGURATION_NOT_FOUND');
    expect((await failure(registry.updateConfiguration({ ...aConfiguration('sdk-none'), etag: 'abc' }))).status).toBe(404);
    expect((await failure(registry.removeConfiguration('sdk-none'))).status).toBe(404);
  });

  it('refuses changing content or id on update (400 naming the field)', async () => {
    const got = (await registry.addConfiguration(aConfiguration('sdk-fixed'))).responseBody as Configuration;
    const content = edgeDeployment({ modules: { other: processModule('node') }, routes: {} });
    const changed = await failure(registry.updateConfiguration({ ...got, content }));
    expect(changed.status).toBe(400);
    expect(changed.body).toMatchObject({ code: 'CLD_CONFIGURATION_IMMUTABLE', details: { path: 'content' } });
  });

  it('refuses invalid deployments with 400 and the fault path', async () => {
    const cases: { config: Configuration; code: string; path: string }[] = [
      { config: aConfiguration('Bad-Id'), code: 'TARGET_DEPLOYMENT_ID_INVALID', path: 'id' },
      { config: aConfiguration('bad-target', { targetCondition: "tags.x = 'a" }), code: 'TARGET_CONDITION_INVALID', path: 'targetCondition' },
      { config: aConfiguration('bad-priority', { priority: -1 }), code: 'TARGET_DEPLOYMENT_PRIORITY_INVALID', path: 'priority' },
      {
        config: aConfiguration('bad-manifest', { content: { modulesContent: { $edgeAgent: { 'properties.desired': { schemaVersion: '1.1', modules: {} } } } } }),
        code: 'MANIFEST_INVALID',
        path: 'content.modulesContent.',
      },
      {
        config: aConfiguration('too-many-metrics', { metrics: { queries: Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`m${i}`, 'SELECT deviceId FROM devices'])) } }),
        code: 'CLD_CONFIGURATION_INVALID',
        path: 'metrics.queries',
      },
      { config: aConfiguration('bad-metric', { metrics: { queries: { m: 'SELECT FROM nowhere' } } }), code: 'CLD_CONFIGURATION_INVALID', path: 'metrics.queries.m' },
      { config: aConfiguration('device-content', { content: { deviceContent: { 'properties.desired.x': 1 } } }), code: 'CLD_CONFIGURATION_INVALID', path: 'content.modulesContent' },
      {
        config: aConfiguration('bad-layer', { content: { modulesContent: { $edgeAgent: { 'properties.desired.modules.x': 1, 'properties.desired.modules': {} } } } }),
        code: 'TARGET_DEPLOYMENT_CONTENT_INVALID',
        path: 'content.modulesContent',
      },
      { config: aConfiguration('bad-rollout', { rollout: { waves: [] } }), code: 'ROLLOUT_POLICY_INVALID', path: 'rollout.waves' },
      // A layer's routes and module definitions are whole units: one that would not compile or parse reached every
      // targeted device, whose hub then refused the merged route table.
      {
        config: aConfiguration('bad-layer-route', { priority: 50, content: { modulesContent: { $edgeHub: { 'properties.desired.routes.r': 'FROM bogus INTO $upstream' } } } }),
        code: 'MANIFEST_INVALID',
        path: 'content.modulesContent.$edgeHub.properties.desired.routes.r',
      },
      {
        config: aConfiguration('bad-layer-module', { priority: 50, content: { modulesContent: { $edgeAgent: { 'properties.desired.modules.x': { type: 'process', status: 'running' } } } } }),
        code: 'MANIFEST_INVALID',
        path: 'content.modulesContent.$edgeAgent.properties.desired.modules.x',
      },
    ];
    for (const c of cases) {
      const f = await failure(registry.addConfiguration(c.config));
      expect({ id: c.config.id, status: f.status, code: f.body.code }).toEqual({ id: c.config.id, status: 400, code: c.code });
      expect(f.body.details?.path ?? '', `${c.config.id}: ${f.body.message}`).toContain(c.path);
    }
  });

  it('accepts a layered deployment and passes the rollout policy through', async () => {
    const layered = aConfiguration('sdk-layer', {
      priority: 50,
      content: { modulesContent: { $edgeAgent: { 'properties.desired.modules.extra': processModule('node', ['extra.js']) } } },
      rollout: { waves: [{ percent: 10, successRate: 0.9, deadlineSeconds: 600 }], autoRollback: true },
    });
    const added = (await registry.addConfiguration(layered)).responseBody as unknown as Record<string, unknown>;
    expect(added).toMatchObject({ id: 'sdk-layer', rollout: { waves: [{ percent: 10 }], autoRollback: true } });
  });

  it('answers REST misuse with a clear error: id mismatch, missing content, stale delete etag', async () => {
    const mismatch = await cloud.rest('PUT', '/configurations/rest-a', aConfiguration('rest-b'));
    expect(mismatch).toMatchObject({ status: 400, body: { code: 'CLD_CONFIGURATION_IMMUTABLE', details: { path: 'id' } } });
    const noContent = await cloud.rest('PUT', '/configurations/rest-a', { id: 'rest-a', priority: 1, targetCondition: '*' });
    expect(noContent).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(JSON.stringify(noContent.body)).toContain('content');
    const noPriority = await cloud.rest('PUT', '/configurations/rest-a', { ...aConfiguration('rest-a'), priority: undefined });
    expect(noPriority).toMatchObject({ status: 400, body: { code: 'CLD_CONFIGURATION_INVALID', details: { path: 'priority' } } });
    await cloud.ok('PUT', '/configurations/rest-a', aConfiguration('rest-a'));
    const stale = await cloud.rest('DELETE', '/configurations/rest-a', undefined, { 'if-match': '"not-the-etag"' });
    expect(stale).toMatchObject({ status: 412, body: { code: 'CLD_ETAG_MISMATCH' } });
    const top = await cloud.rest('GET', '/configurations?top=0');
    expect(top).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    await cloud.ok('DELETE', '/configurations/rest-a');
  });

  it('refuses a 101st deployment (IoT Hub limit)', async () => {
    const existing = ((await registry.getConfigurations()).responseBody as Configuration[]).length;
    for (let i = existing; i < 100; i++) await cloud.ok('PUT', `/configurations/fill-${i}`, aConfiguration(`fill-${i}`));
    const f = await failure(registry.addConfiguration(aConfiguration('one-too-many')));
    expect(f.status).toBe(403);
    expect(f.body.code).toBe('CLD_CONFIGURATION_LIMIT');
    for (let i = existing; i < 100; i++) await cloud.ok('DELETE', `/configurations/fill-${i}`);
  });
});

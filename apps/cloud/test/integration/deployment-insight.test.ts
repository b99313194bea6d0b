import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import type { ConfigurationPlanDto, EffectiveDeploymentDto } from '@verge/contracts';
import { observedDeviceChange, serviceClient, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeAgentDesired, edgeHubDesired } from '@verge/testkit/manifest';
import { eventually } from '@verge/testkit';

// Explain (`GET /devices/{id}/effective`) and dry-run (`POST /configurations[/{id}]/plan`) against a real cloud:
// deployments created with the unmodified azure-iothub Registry, evaluated by the cloud's evaluator, devices'
// module twins read back through the API.

const { Registry } = iothub;
type Configuration = Parameters<InstanceType<typeof Registry>['addConfiguration']>[0];

let cloud: TestCloud;
let registry: InstanceType<typeof Registry>;

const sensor = (image: string) => ({ version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image, createOptions: '{}' } });

function standard(id: string, priority: number, targetCondition: string, image: string): Configuration {
  return {
    id,
    schemaVersion: '1.0',
    labels: {},
    priority,
    targetCondition,
    content: {
      modulesContent: {
        $edgeAgent: { 'properties.desired': edgeAgentDesired({ sensor: sensor(image) }) },
        $edgeHub: { 'properties.desired': edgeHubDesired({ up: 'FROM /messages/* INTO $upstream' }) },
        sensor: { 'properties.desired': { threshold: 10 } },
      },
    },
  } as unknown as Configuration;
}

function layered(id: string, priority: number, targetCondition: string, modulesContent: Record<string, Record<string, unknown>>): Configuration {
  return { id, schemaVersion: '1.0', labels: {}, priority, targetCondition, content: { modulesContent } } as unknown as Configuration;
}

const effective = async (deviceId: string) => (await cloud.ok('GET', `/devices/${deviceId}/effective`)) as EffectiveDeploymentDto;
const inSync = (deviceId: string) => eventually(async () => ((await effective(deviceId)).inSync ? effective(deviceId) : undefined), { description: `${deviceId}'s twins to hold its deployments` });

async function edgeDevice(deviceId: string, tags: Record<string, unknown>): Promise<void> {
  await cloud.createDevice(deviceId, { edge: true });
  await cloud.api.twins.update({ deviceId }, { tags });
}

const moduleDesired = (deviceId: string) => cloud.moduleDesiredAll(deviceId);

beforeAll(async () => {
  cloud = await startTestCloud();
  registry = serviceClient(Registry, cloud);
  await edgeDevice('edge-a', { env: 'prod', site: 'oslo' });
  await edgeDevice('edge-b', { env: 'prod', site: 'bergen' });
  await edgeDevice('edge-c', { env: 'dev' });
  await cloud.createDevice('leaf-1');
});
afterAll(async () => {
  await cloud?.stop();
});

describe('GET /devices/{id}/effective', () => {
  it('names the layer that set each module, route and path, and why each deployment applies or not', async () => {
    await registry.addConfiguration(standard('prod-old', 10, "tags.env='prod'", 'sensor:1'));
    await registry.addConfiguration(standard('prod-new', 10, "tags.env='prod'", 'sensor:2'));
    await registry.addConfiguration(
      layered('oslo-metrics', 20, "tags.site='oslo'", {
        $edgeAgent: { 'properties.desired.modules.metrics': sensor('metrics:1') },
        $edgeHub: { 'properties.desired.routes.up': 'FROM /messages/modules/sensor/* INTO $upstream' },
        sensor: { 'properties.desired.threshold': 99 },
      }),
    );
    await registry.addConfiguration(layered('too-low', 10, "tags.env='prod'", { sensor: { 'properties.desired.threshold': 1 } }));
    const [old, recent] = [(await registry.getConfiguration('prod-old')).responseBody, (await registry.getConfiguration('prod-new')).responseBody];
    expect(Date.parse(String(recent.createdTimeUtc))).toBeGreaterThan(Date.parse(String(old.createdTimeUtc)));

    const e = await inSync('edge-a');
    expect(e.deployments.map((d) => `${d.deploymentId}:${d.outcome}`)).toEqual(['oslo-metrics:layer', 'too-low:outranked', 'prod-new:base', 'prod-old:outranked']);
    const by = (id: string) => e.deployments.find((d) => d.deploymentId === id);
    expect(by('prod-new')?.reason).toContain("ties on priority 10 with 'prod-old'");
    expect(by('prod-new')?.reason).toContain('the most recently created wins');
    expect(by('prod-old')).toMatchObject({ outrankedBy: 'prod-new' });
    expect(by('prod-old')?.reason).toContain("outranked by the standard deployment 'prod-new'");
    expect(by('too-low')?.reason).toContain("not above the base 'prod-new' (10)");
    expect(by('oslo-metrics')?.reason).toContain("priority 20 is above the base 'prod-new' (10)");

    const set = (moduleId: string, path: string) => e.provenance.find((p) => p.moduleId === moduleId && p.path === path);
    expect(set('$edgeAgent', 'modules.sensor')).toMatchObject({ kind: 'module', deploymentId: 'prod-new', priority: 10, overridden: [] });
    expect(set('$edgeAgent', 'modules.metrics')).toMatchObject({ kind: 'module', deploymentId: 'oslo-metrics', priority: 20 });
    expect(set('$edgeHub', 'routes.up')).toMatchObject({ kind: 'route', deploymentId: 'oslo-metrics', overridden: [{ deploymentId: 'prod-new', priority: 10 }] });
    expect(set('sensor', 'threshold')).toMatchObject({ kind: 'path', deploymentId: 'oslo-metrics', overridden: [{ deploymentId: 'prod-new', priority: 10 }] });
    expect(e.statuses).toEqual({ 'oslo-metrics': 'Applied', 'too-low': 'Targeted', 'prod-new': 'Applied', 'prod-old': 'Targeted' });
    expect(e.invalid).toEqual([]);
    // What explain says the device gets is what its twins hold.
    const twins = await moduleDesired('edge-a');
    for (const [moduleId, block] of Object.entries(e.modulesContent)) expect(twins[moduleId]).toEqual(block['properties.desired']);

    const b = await inSync('edge-b');
    expect(b.deployments.map((d) => `${d.deploymentId}:${d.outcome}`)).toEqual(['too-low:outranked', 'prod-new:base', 'prod-old:outranked']);
    expect(b.provenance.find((p) => p.path === 'routes.up')).toMatchObject({ deploymentId: 'prod-new' });
  });

  it('answers a device no deployment targets with a reason, a non-edge device with edge: false, a missing one with 404', async () => {
    const c = await effective('edge-c');
    expect(c).toMatchObject({ edge: true, deployments: [], modulesContent: {}, inSync: true });
    expect(c.reason).toContain('no valid deployment targets');
    const leaf = await effective('leaf-1');
    expect(leaf).toMatchObject({ deviceId: 'leaf-1', edge: false, deployments: [], provenance: [], modulesContent: {} });
    expect(leaf.reason).toContain('not an IoT Edge device');
    const missing = await cloud.rest('GET', '/devices/nobody/effective');
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).toContain("device 'nobody' is not registered");
  });
});

describe('POST /configurations/plan and /configurations/{id}/plan', () => {
  it('predicts exactly what applying the deployment then writes', async () => {
    await inSync('edge-a');
    await inSync('edge-b');
    const draft = standard('prod-v3', 30, "tags.env='prod'", 'sensor:3');
    const before = { a: await moduleDesired('edge-a'), b: await moduleDesired('edge-b'), c: await moduleDesired('edge-c') };
    const plan = (await cloud.ok('POST', '/configurations/plan', draft)) as ConfigurationPlanDto;
    expect(plan).toMatchObject({ configurationId: 'prod-v3', draft: true, totals: { devices: 3, targeted: 2, devicesChanging: 2, modulesUpdated: 2 } });
    expect(plan.devices.map((d) => `${d.deviceId}:${d.outcome}`)).toEqual(['edge-a:base', 'edge-b:base']);
    // Nothing was stored or written by the dry-run.
    expect((await cloud.rest('GET', '/configurations/prod-v3')).status).toBe(404);
    expect(await moduleDesired('edge-a')).toEqual(before.a);

    await registry.addConfiguration(draft);
    await inSync('edge-a');
    await inSync('edge-b');
    const after = { a: await moduleDesired('edge-a'), b: await moduleDesired('edge-b'), c: await moduleDesired('edge-c') };
    expect(after.c).toEqual(before.c);
    for (const [deviceId, key] of [['edge-a', 'a'], ['edge-b', 'b']] as const) {
      const planned = plan.devices.find((d) => d.deviceId === deviceId);
      const observed = observedDeviceChange(before[key], after[key]);
      expect(observed.replaced).toEqual(planned?.steps.filter((s) => s.action === 'replaceDesired').map((s) => s.moduleId).sort());
      expect(planned?.summary.modules).toEqual(observed.modules);
    }
    // The stored deployment now plans no writes: evaluation has done them all.
    const again = (await cloud.ok('POST', '/configurations/prod-v3/plan')) as ConfigurationPlanDto;
    expect(again).toMatchObject({ draft: false, totals: { targeted: 2, devicesChanging: 0, devicesStatusOnly: 0, total: 0 } });
    expect(again.devices.every((d) => d.steps.length === 0)).toBe(true);
  });

  it('pages through the devices with top and continuationToken', async () => {
    const first = (await cloud.ok('POST', '/configurations/prod-old/plan?top=1')) as ConfigurationPlanDto;
    expect(first.devices.map((d) => d.deviceId)).toEqual(['edge-a']);
    expect(first.continuationToken).toBe('edge-a');
    const second = (await cloud.ok('POST', `/configurations/prod-old/plan?top=1&continuationToken=${first.continuationToken ?? ''}`)) as ConfigurationPlanDto;
    expect(second.devices.map((d) => `${d.deviceId}:${d.outcome}`)).toEqual(['edge-b:outranked']);
    expect(second.continuationToken).toBeUndefined();
    expect(second.totals).toEqual(first.totals);
  });

  it('refuses a bad draft with the faulty field named, and stores nothing', async () => {
    const badCondition = await cloud.rest('POST', '/configurations/plan', { ...standard('bad-1', 1, "tags.env='prod'", 'x:1'), targetCondition: "tags.env = 'prod" });
    expect(badCondition.status).toBe(400);
    expect(JSON.stringify(badCondition.body)).toContain('targetCondition');
    const noPriority = await cloud.rest('POST', '/configurations/plan', { ...standard('bad-2', 1, '*', 'x:1'), priority: undefined });
    expect(noPriority.status).toBe(400);
    expect(JSON.stringify(noPriority.body)).toContain('priority');
    const badManifest = await cloud.rest('POST', '/configurations/plan', layered('bad-3', 1, '*', { $edgeAgent: { 'properties.desired': { schemaVersion: '1.1' } } }));
    expect(badManifest.status).toBe(400);
    expect(JSON.stringify(badManifest.body)).toContain('content.modulesContent');
    const notJson = await cloud.rest('POST', '/configurations/plan', { content: {} });
    expect(notJson.status).toBe(400);
    expect(JSON.stringify(notJson.body)).toContain('id');
    const badTop = await cloud.rest('POST', '/configurations/prod-old/plan?top=0');
    expect(badTop.status).toBe(400);
    expect(JSON.stringify(badTop.body)).toContain('top');
    for (const id of ['bad-1', 'bad-2', 'bad-3']) expect((await cloud.rest('GET', `/configurations/${id}`)).status).toBe(404);
    const missing = await cloud.rest('POST', '/configurations/nothing-here/plan');
    expect(missing.status).toBe(404);
    expect(JSON.stringify(missing.body)).toContain("deployment 'nothing-here' does not exist");
  });
});

describe('staged rollouts in explain and dry-run', () => {
  it('shows a deployment whose rollout has not admitted the device as notAdmitted, and the device keeps its base', async () => {
    await edgeDevice('ring-1', { ring: 'r' });
    await edgeDevice('ring-2', { ring: 'r' });
    await registry.addConfiguration(standard('ring-base', 5, "tags.ring='r'", 'ring:1'));
    const staged = { ...standard('ring-v2', 50, "tags.ring='r'", 'ring:2'), rollout: { waves: [{ count: 1, successRate: 1, deadlineSeconds: 3600 }, { percent: 100, successRate: 1, deadlineSeconds: 3600 }] } };
    await cloud.ok('PUT', '/configurations/ring-v2', staged);
    const [one, two] = await eventually(async () => {
      const both = [await inSync('ring-1'), await inSync('ring-2')];
      return both.some((e) => e.deployments[0]?.deploymentId === 'ring-v2') ? both : undefined;
    }, { description: 'the first wave to admit one ring device' });
    const [admitted, waiting] = one?.deployments[0]?.deploymentId === 'ring-v2' ? [one, two] : [two, one];
    expect(admitted?.deployments.map((d) => `${d.deploymentId}:${d.outcome}`)).toEqual(['ring-v2:base', 'ring-base:outranked']);
    expect(waiting?.deployments.map((d) => `${d.deploymentId}:${d.outcome}`)).toEqual(['ring-base:base', 'ring-v2:notAdmitted']);
    expect(waiting?.deployments[1]?.reason).toContain('staged rollout has not admitted this device');
    expect(waiting?.provenance.find((p) => p.path === 'modules.sensor')).toMatchObject({ deploymentId: 'ring-base' });

    const plan = (await cloud.ok('POST', '/configurations/ring-v2/plan')) as ConfigurationPlanDto;
    expect(plan.totals).toMatchObject({ targeted: 2, devicesChanging: 0 });
    expect(plan.devices.map((d) => `${d.deviceId}:${d.outcome}`).sort()).toEqual([`${admitted?.deviceId ?? ''}:base`, `${waiting?.deviceId ?? ''}:notAdmitted`].sort());
  });
});

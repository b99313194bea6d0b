// The fleet simulator against a real test cloud (`startTestCloud`): registration with tags, TLS MQTT connections as
// `$edgeAgent`, deployments applied with `applyConfigurationContent`, `$edgeAgent` reported properties in the edge
// agent's schema, failure rules, churn, and option validation.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { eventually, freePort, vergeErrorOf } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeAgentDesired, edgeHubDesired } from '@verge/testkit/manifest';
import { createFleetSimulator, failingRule, parseFailRules, startFleetSimulator, type FleetSimulator, type FleetSimulatorOptions } from '../../src/index.js';

let cloud: TestCloud;

beforeAll(async () => {
  cloud = await startTestCloud();
});

afterAll(async () => {
  await cloud?.stop();
});

function options(extra: Partial<FleetSimulatorOptions> & { prefix: string; devices: number }): FleetSimulatorOptions {
  return { api: cloud.api, mqtt: { host: '127.0.0.1', port: cloud.mqttPort, ca: cloud.caPem }, ...extra };
}

async function start(extra: Partial<FleetSimulatorOptions> & { prefix: string; devices: number }): Promise<FleetSimulator> {
  const fleet = await startFleetSimulator(options(extra));
  onTestFinished(() => fleet.stop());
  return fleet;
}

function deployment(image: string, restartPolicy = 'always'): { modulesContent: Record<string, unknown> } {
  const app = { version: '1.0', type: 'docker', status: 'running', restartPolicy, settings: { image, createOptions: '{}' } };
  return {
    modulesContent: {
      $edgeAgent: { 'properties.desired': edgeAgentDesired({ app }) },
      $edgeHub: { 'properties.desired': edgeHubDesired({ up: 'FROM /messages/* INTO $upstream' }) },
    },
  };
}

async function deployAll(fleet: FleetSimulator, image: string, restartPolicy?: string): Promise<void> {
  await Promise.all(fleet.devices.map((d) => cloud.api.applyConfigurationContent(d.deviceId, deployment(image, restartPolicy))));
}

type AgentReported = {
  schemaVersion?: string;
  lastDesiredVersion?: number;
  lastDesiredStatus?: { code: number; description: string };
  runtime?: { type: string };
  systemModules?: Record<string, { runtimeStatus: string }>;
  modules?: Record<string, { runtimeStatus: string; exitCode: number; restartCount: number; lastStartTimeUtc: string; settings: { image: string } }>;
};

async function agentTwin(deviceId: string): Promise<{ desired: Record<string, unknown>; reported: AgentReported }> {
  const twin = await cloud.moduleTwin(deviceId, '$edgeAgent');
  return { desired: twin.properties.desired, reported: twin.properties.reported as AgentReported };
}

describe('fleet simulator', () => {
  it('registers edge devices with tags, connects them as $edgeAgent and reports a deployment applied to them', async () => {
    const fleet = await start({ prefix: 'ok-', devices: 4, tags: { fleet: 'alpha', site: { city: 'Oslo' } } });
    expect(fleet.stats()).toMatchObject({ devices: 4, registered: 4, registrationFailed: 0, connected: 4, connectTimeouts: 0 });
    const device = (await cloud.ok('GET', '/devices/ok-3')) as { capabilities: { iotEdge: boolean } };
    expect(device.capabilities.iotEdge).toBe(true);
    const twin = (await cloud.ok('GET', '/twins/ok-3')) as { tags: unknown };
    expect(twin.tags).toEqual({ fleet: 'alpha', site: { city: 'Oslo' } });
    // No deployment yet: the agent reports 417 (empty desired properties), as the edge agent does.
    await eventually(() => fleet.stats().noDeployment === 4, { description: 'four 417 reports' });
    expect((await agentTwin('ok-0')).reported.lastDesiredStatus?.code).toBe(417);

    await deployAll(fleet, 'repo/app:1.0');
    await eventually(() => fleet.stats().success === 4, { timeoutMs: 20_000, description: 'four devices reporting success' });
    const { desired, reported } = await agentTwin('ok-2');
    expect(reported).toMatchObject({
      schemaVersion: '1.0',
      lastDesiredVersion: desired['$version'],
      lastDesiredStatus: { code: 200 },
      runtime: { type: 'docker' },
      systemModules: { edgeAgent: { runtimeStatus: 'running' }, edgeHub: { runtimeStatus: 'running' } },
      modules: { app: { runtimeStatus: 'running', exitCode: 0, restartCount: 0, settings: { image: 'repo/app:1.0' } } },
    });
    expect(reported.modules?.['app']?.lastStartTimeUtc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    // The cloud's connection state shows the module connected.
    const agent = (await cloud.ok('GET', '/devices/ok-2/modules/$edgeAgent')) as { connectionState: string };
    expect(agent.connectionState).toBe('Connected');
  });

  it('makes the devices a failure rule selects report failure, and heals them when the good version returns', async () => {
    const fleet = await start({ prefix: 'bad-', devices: 3, failRules: [{ selector: 'image', pattern: 'repo/app:2.*', rate: 1 }], startDelay: { minMs: 50, maxMs: 300 } });
    await deployAll(fleet, 'repo/app:1.0');
    await eventually(() => fleet.stats().success === 3, { timeoutMs: 20_000, description: 'version 1.0 succeeding' });

    await deployAll(fleet, 'repo/app:2.0');
    await eventually(() => fleet.stats().failed === 3, { timeoutMs: 20_000, description: 'version 2.0 failing on every device' });
    const { desired, reported } = await agentTwin('bad-1');
    expect(reported.lastDesiredVersion).toBe(desired['$version']);
    expect(reported.lastDesiredStatus?.code).toBe(500);
    expect(reported.lastDesiredStatus?.description).toContain('startModule:app');
    expect(reported.modules?.['app']).toMatchObject({ runtimeStatus: 'backoff', exitCode: 1, settings: { image: 'repo/app:2.0' } });
    expect(fleet.device('bad-1')?.acknowledged?.failedModules).toEqual(['app']);

    await deployAll(fleet, 'repo/app:2.0', 'never');
    await eventually(async () => (await agentTwin('bad-0')).reported.modules?.['app']?.runtimeStatus === 'failed', { timeoutMs: 20_000, description: 'restart policy never: failed' });

    await deployAll(fleet, 'repo/app:1.0');
    await eventually(() => fleet.stats().success === 3, { timeoutMs: 20_000, description: 'the rollback to 1.0 healing every device' });
    expect((await agentTwin('bad-2')).reported.modules?.['app']?.runtimeStatus).toBe('running');
  });

  it('fails a module on the fraction of devices the seeded draw picks, the same ones on every deployment', async () => {
    const rules = parseFailRules(['module=app=0.5']);
    if (!rules.ok) throw new Error(rules.problem);
    const fleet = await start({ prefix: 'half-', devices: 8, failRules: rules.value, seed: 's1' });
    const expected = fleet.devices.filter((d) => failingRule({ seed: 's1', deviceId: d.deviceId, failRules: rules.value }, 'app', 'repo/app:3.0') !== undefined).length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(8);
    await deployAll(fleet, 'repo/app:3.0');
    await eventually(() => fleet.stats().failed === expected && fleet.stats().success === 8 - expected, { timeoutMs: 20_000, description: `${expected} of 8 failing` });
  });

  it('churns connections: devices reconnect, read their twin again and keep reporting', async () => {
    const fleet = await start({ prefix: 'churn-', devices: 4, churn: { amount: 4, unit: 'count', per: 's' }, churnOfflineMs: 50 });
    await deployAll(fleet, 'repo/app:1.0');
    await eventually(() => fleet.stats().reconnects >= 6, { timeoutMs: 30_000, description: 'six reconnections' });
    expect(fleet.stats().churned).toBeGreaterThanOrEqual(6);
    await deployAll(fleet, 'repo/app:1.1');
    await eventually(async () => fleet.stats().success === 4 && (await agentTwin('churn-0')).reported.modules?.['app']?.settings.image === 'repo/app:1.1', {
      timeoutMs: 30_000,
      description: 'version 1.1 reported by every device while churning',
    });
  });

  it('reports an automatic deployment targeting its tags, counted by the deployment metrics', async () => {
    const fleet = await start({ prefix: 'auto-', devices: 5, tags: { ring: 'canary' }, failRules: [{ selector: 'image', pattern: 'repo/app:6.6', rate: 1 }] });
    const put = async (id: string, image: string, priority: number) =>
      cloud.ok('PUT', `/configurations/${id}`, { id, schemaVersion: '1.0', labels: {}, content: deployment(image), targetCondition: "tags.ring='canary'", priority, metrics: { queries: {} } });
    const metrics = async (id: string) => ((await cloud.ok('GET', `/configurations/${id}`)) as { systemMetrics: { results: Record<string, number> } }).systemMetrics.results;
    await put('sim-good', 'repo/app:5.0', 10);
    await eventually(() => fleet.stats().success === 5, { timeoutMs: 30_000, description: 'five devices reporting the deployment' });
    await eventually(async () => (await metrics('sim-good'))['reportedSuccessfulCount'] === 5, { timeoutMs: 30_000, description: 'the deployment counting five successes' });
    expect(await metrics('sim-good')).toMatchObject({ targetedCount: 5, appliedCount: 5, reportedFailedCount: 0 });

    await put('sim-bad', 'repo/app:6.6', 20);
    await eventually(() => fleet.stats().failed === 5, { timeoutMs: 30_000, description: 'five devices reporting the bad version failed' });
    await eventually(async () => (await metrics('sim-bad'))['reportedFailedCount'] === 5, { timeoutMs: 30_000, description: 'the deployment counting five failures' });
  });

  it('gets a deployment applied while its devices still read their twin after connecting (the patch is not lost)', async () => {
    // Deployed the moment the fleet is connected: each device's first twin GET is still in flight. A patch the cloud
    // sends right after the GET's answer reaches the device's listener before the code awaiting the GET runs (the
    // device client settles promises later, calls listeners at once), and that answer is without the patch. Found when
    // the devices began to subscribe to methods too (one more SUBSCRIBE before the GET): 1 to 2 of 3 then waited for ever.
    const fleet = await start({ prefix: 'race-', devices: 12 });
    await deployAll(fleet, 'repo/app:1.0');
    await eventually(() => fleet.stats().success === 12, { timeoutMs: 20_000, description: 'all twelve devices reporting the deployment' });
  });

  it('answers $edgeAgent direct methods as the edge agent does (ping every agent of the fleet, RestartModule)', async () => {
    const fleet = await start({ prefix: 'm-', devices: 3 });
    await deployAll(fleet, 'repo/app:1.0');
    await eventually(() => fleet.stats().success === 3, { timeoutMs: 20_000, description: 'three devices reporting success' });
    const pings = await Promise.all(fleet.devices.map((d) => cloud.api.invokeMethod({ deviceId: d.deviceId, moduleId: '$edgeAgent' }, { methodName: 'ping', responseTimeoutInSeconds: 10 })));
    expect(pings).toEqual([0, 1, 2].map(() => expect.objectContaining({ status: 200, payload: null })));
    const restart = (id: string) => cloud.api.invokeMethod({ deviceId: 'm-1', moduleId: '$edgeAgent' }, { methodName: 'RestartModule', payload: { schemaVersion: '1.0', id }, responseTimeoutInSeconds: 10 });
    expect(await restart('app')).toMatchObject({ status: 200 });
    expect(await restart('ghost')).toMatchObject({ status: 500, payload: { message: 'Module ghost not found in the current environment' } });

  });

  it('reuses the devices of an earlier run with the same prefix', async () => {
    const first = await start({ prefix: 'again-', devices: 2 });
    await first.stop();
    const second = await start({ prefix: 'again-', devices: 3, tags: { ring: '1' } });
    expect(second.stats()).toMatchObject({ registered: 3, connected: 3 });
    expect(((await cloud.ok('GET', '/twins/again-0')) as { tags: unknown }).tags).toEqual({ ring: '1' });
  });

  it('refuses a prefix taken by a device that is not an IoT Edge device', async () => {
    await cloud.createDevice('plain-0');
    const fleet = await start({ prefix: 'plain-', devices: 2 });
    expect(fleet.stats()).toMatchObject({ registered: 1, registrationFailed: 1 });
  });

  it('counts the devices a cloud at its per-address connection limit refuses, with the refusal, apart from timeouts', async () => {
    // Every simulated device dials from 127.0.0.1: a cloud holding 2 connections per address refuses the third with
    // CONNACK 3 (server unavailable), at every attempt while both stay.
    const limited = await startTestCloud(undefined, {}, { mqttLimits: { maxConnectionsPerAddress: 2 } });
    onTestFinished(() => limited.stop());
    const fleet = createFleetSimulator({ api: limited.api, mqtt: { host: '127.0.0.1', port: limited.mqttPort, ca: limited.caPem }, prefix: 'cap-', devices: 3, connectTimeoutMs: 30_000 });
    onTestFinished(() => fleet.stop());
    void fleet.start();
    // Counted as soon as the refusal comes, not only when the start-up connect timeout ends.
    await eventually(() => fleet.stats().connected === 2 && fleet.stats().connectRefused === 1, { description: 'two devices connected, one refused' });
    const stats = fleet.stats();
    expect(stats).toMatchObject({ registered: 3, connectTimeouts: 0 });
    expect(stats.lastConnectFailure).toMatchObject({ code: 'SDK_CONNECT_REFUSED', returnCode: 3 });
    expect(stats.lastConnectFailure?.deviceId).toMatch(/^cap-[0-2]$/);
    expect(stats.lastConnectFailure?.message).toMatch(/refused the connection .*CONNACK return code 3/);
    // A place frees up: the refused device gets in on its next attempt, and is no longer counted.
    await fleet.devices.find((d) => d.connected)?.stop();
    await eventually(() => fleet.stats().connectRefused === 0 && fleet.devices.filter((d) => d.connected).length === 2, { timeoutMs: 20_000, description: 'the refused device connected once a place was free' });
  });

  it('counts an MQTT endpoint that does not answer as connect timeouts, with the reason', async () => {
    const mqttPort = await freePort(); // nothing listens there
    const fleet = await startFleetSimulator({ ...options({ prefix: 'late-', devices: 1 }), mqtt: { host: '127.0.0.1', port: mqttPort, ca: cloud.caPem }, connectTimeoutMs: 1_000 });
    onTestFinished(() => fleet.stop());
    expect(fleet.stats()).toMatchObject({ registered: 1, connected: 0, connectRefused: 0, connectTimeouts: 1 });
    expect(fleet.stats().lastConnectFailure).toMatchObject({ deviceId: 'late-0', code: 'SDK_CONNECTION_FAILED' });
    expect(fleet.stats().lastConnectFailure?.returnCode).toBeUndefined();
  });

  it.each([
    [{ devices: 0 }, 'devices', 'at least 1'],
    [{ devices: 2.5 }, 'devices', 'whole number'],
    [{ prefix: 'has space' }, 'prefix', 'may contain only'],
    [{ startDelay: { minMs: 500, maxMs: 100 } }, 'startDelay', 'maxMs must not be below minMs'],
    [{ mqtt: { host: '127.0.0.1', port: 0 } }, 'mqtt.port', 'at least 1'],
    [{ failRules: [{ selector: 'image' as const, pattern: 'x', rate: 2 }] }, 'failRules.0.rate', '1'],
    [{ connectConcurrency: 0 }, 'connectConcurrency', 'at least 1'],
  ])('refuses bad options %j naming the option', (bad, option, rule) => {
    const error = vergeErrorOf(() => createFleetSimulator({ ...options({ prefix: 'x-', devices: 1 }), ...bad }));
    expect(error.code).toBe('SIM_OPTIONS_INVALID');
    expect(error.message).toContain(`"${option}"`);
    expect(error.message).toContain(rule);
  });
});

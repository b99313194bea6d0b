// `verge deployment create|list|show|plan|status|delete` and `verge device explain` against a real cloud
// (`startTestCloud`), run in-process through `main([...])` with stdout/stderr captured, connected with `--data DIR`.
// The devices are the fleet simulator's (`@verge/simulator`): real MQTT/TLS `$edgeAgent` connections that report
// each deployment they receive in the edge agent's schema.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigurationDto, ConfigurationPlanDto, EffectiveDeploymentDto } from '@verge/contracts';
import { startFleetSimulator, type FleetSimulator } from '@verge/simulator';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeAgentDesired, edgeHubDesired } from '@verge/testkit/manifest';
import { capturedVerge } from '../helpers/verge-cli-capture.js';

let cloud: TestCloud;
let fleet: FleetSimulator;
let files: { base: string; next: string; layer: string; broken: string; rollout: string };

const { verge, start, json } = capturedVerge(() => ['--data', cloud.dataDir]);

function manifest(image: string): unknown {
  const app = { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', settings: { image, createOptions: '{}' } };
  return {
    modulesContent: {
      $edgeAgent: { 'properties.desired': edgeAgentDesired({ app }) },
      $edgeHub: { 'properties.desired': edgeHubDesired({ up: 'FROM /messages/* INTO $upstream' }) },
    },
  };
}

beforeAll(async () => {
  cloud = await startTestCloud();
  fleet = await startFleetSimulator({ api: cloud.api, mqtt: { host: '127.0.0.1', port: cloud.mqttPort, ca: cloud.caPem }, devices: 3, prefix: 'cli-sim-', tags: { env: 'prod' } });
  const dir = cloud.dataDir;
  files = { base: join(dir, 'base.json'), next: join(dir, 'next.json'), layer: join(dir, 'layer.json'), broken: join(dir, 'broken.json'), rollout: join(dir, 'rollout.json') };
  await writeFile(files.base, JSON.stringify(manifest('app:1')));
  await writeFile(files.next, JSON.stringify(manifest('app:2')));
  await writeFile(files.layer, JSON.stringify({ modulesContent: { $edgeHub: { 'properties.desired.routes.extra': 'FROM /messages/modules/app/* INTO $upstream' } } }));
  await writeFile(files.broken, JSON.stringify({ modulesContent: { $edgeAgent: { 'properties.desired': { schemaVersion: '1.1' } } } }));
  await writeFile(files.rollout, '[1, 2]');
});

afterAll(async () => {
  await fleet?.stop();
  await cloud?.stop();
});

describe('verge deployment', () => {
  it('creates a deployment, lists and shows it, and watches its status until every targeted device reports', async () => {
    const created = await json<ConfigurationDto>('deployment', 'create', 'cli-base', '--manifest', files.base, '--target-condition', "tags.env='prod'", '--priority', '10', '--label', 'team=edge', '--metric', "ok=SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND properties.reported.lastDesiredStatus.code = 200");
    expect(created).toMatchObject({ id: 'cli-base', priority: 10, labels: { team: 'edge' }, targetCondition: "tags.env='prod'" });

    const watched = await verge('deployment', 'status', 'cli-base', '--watch', '--interval', '1');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain('deployment cli-base: targeted 3, applied 3, succeeded 3, failed 0, pending 0');
    expect(watched.stdout).toContain('every targeted device reported: 3 succeeded, 0 failed');

    const status = await json<{ status: { targeted: number; succeeded: number; done: boolean } }>('deployment', 'status', 'cli-base');
    expect(status.status).toMatchObject({ targeted: 3, succeeded: 3, done: true });

    const list = await verge('deployment', 'list');
    expect(list.stdout).toMatch(/ID\s+PRIORITY\s+KIND\s+TARGETED\s+APPLIED\s+SUCCESS\s+FAILURE/);
    expect(list.stdout).toMatch(/cli-base\s+10\s+standard\s+3\s+3\s+3\s+0/);
    expect((await json<ConfigurationDto[]>('deployment', 'list')).map((c) => c.id)).toContain('cli-base');

    const show = await verge('deployment', 'show', 'cli-base');
    expect(show.stdout).toContain('deployment cli-base (standard, priority 10)');
    expect(show.stdout).toMatch(/reportedSuccessfulCount\s+3\s+cli-sim-0 cli-sim-1 cli-sim-2/);
    expect(show.stdout).toMatch(/ok\s+3\s+cli-sim-0 cli-sim-1 cli-sim-2/);
    const shown = await json<{ configuration: ConfigurationDto; metricDevices: { metrics: Record<string, string[]> } }>('deployment', 'show', 'cli-base');
    expect(shown.metricDevices.metrics['ok']).toEqual(['cli-sim-0', 'cli-sim-1', 'cli-sim-2']);
  });

  it('says so when a watched deployment targets no device, and stops on Ctrl-C', async () => {
    await json('deployment', 'create', 'cli-none', '--manifest', files.base, '--target-condition', "tags.env='nowhere'", '--priority', '5');
    const sigintListeners = process.listenerCount('SIGINT');
    const run = start('deployment', 'status', 'cli-none', '--watch', '--interval', '1');
    await eventually(() => (run.stdout().includes('no device matches the target condition of cli-none yet') ? true : undefined), { description: 'the hint that no device is targeted' });
    expect(run.stdout()).toContain('deployment cli-none: targeted 0, applied 0, succeeded 0, failed 0, pending 0');
    process.emit('SIGINT');
    expect((await run.done).code).toBe(0);
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
    expect((await verge('deployment', 'delete', 'cli-none')).code).toBe(0);
  });

  it('plans a draft and the stored deployment without changing anything, then explains a device', async () => {
    const draft = await json<ConfigurationPlanDto>('deployment', 'plan', 'cli-next', '--manifest', files.next, '--target-condition', "tags.env='prod'", '--priority', '20', '--top', '2');
    expect(draft).toMatchObject({ configurationId: 'cli-next', draft: true, totals: { targeted: 3, devicesChanging: 3, modulesUpdated: 3 } });
    expect(draft.devices.map((d) => d.deviceId)).toEqual(['cli-sim-0', 'cli-sim-1']);
    expect(draft.devices[0]?.summary.modules).toEqual({ added: [], updated: ['app'], removed: [] });
    expect(draft.continuationToken).toBe('cli-sim-1');
    const text = await verge('deployment', 'plan', 'cli-next', '--manifest', files.next, '--target-condition', "tags.env='prod'", '--priority', '20', '--top', '2');
    expect(text.stdout).toContain('dry run of draft deployment cli-next (nothing was changed)');
    expect(text.stdout).toContain('3 of 3 edge devices targeted; 3 would change');
    expect(text.stdout).toMatch(/cli-sim-0\s+base\s+~app/);
    expect(text.stdout).toContain('more devices: --continuation-token cli-sim-1');
    expect((await verge('deployment', 'show', 'cli-next')).code).toBe(1);

    const layer = await json<ConfigurationPlanDto>('deployment', 'plan', 'cli-layer', '--manifest', files.layer, '--target-condition', "deviceId='cli-sim-2'", '--priority', '30', '--layered');
    expect(layer.devices.map((d) => `${d.deviceId}:${d.outcome}`)).toEqual(['cli-sim-2:layer']);
    expect(layer.devices[0]?.summary.routes).toEqual({ added: ['extra'], updated: [], removed: [] });

    const stored = await json<ConfigurationPlanDto>('deployment', 'plan', 'cli-base');
    expect(stored).toMatchObject({ draft: false, totals: { targeted: 3, devicesChanging: 0, total: 0 } });

    const explained = await json<EffectiveDeploymentDto>('device', 'explain', 'cli-sim-0');
    expect(explained).toMatchObject({ deviceId: 'cli-sim-0', edge: true, inSync: true, deployments: [{ deploymentId: 'cli-base', outcome: 'base' }] });
    const explainText = await verge('device', 'explain', 'cli-sim-0');
    expect(explainText.stdout).toMatch(/cli-base\s+10\s+standard\s+base\s+the only standard deployment targeting the device/);
    expect(explainText.stdout).toMatch(/\$edgeAgent\s+modules\.app\s+module\s+cli-base@10/);
    expect(explainText.stdout).toContain('in sync: the module twins hold this content');
  });

  it('refuses bad input with the problem named and sends nothing', async () => {
    const broken = await verge('deployment', 'create', 'cli-broken', '--manifest', files.broken, '--target-condition', '*', '--priority', '1');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('$edgeAgent');
    expect(broken.stderr).toContain('nothing was created');
    const condition = await verge('deployment', 'create', 'cli-bad', '--manifest', files.base, '--target-condition', "tags.env = 'prod", '--priority', '1');
    expect(condition.code).toBe(2);
    expect(condition.stderr).toContain('error: --target-condition');
    const priority = await verge('deployment', 'create', 'cli-bad', '--manifest', files.base, '--target-condition', '*', '--priority', 'high');
    expect(priority.code).toBe(2);
    expect(priority.stderr).toContain('error: --priority "high" is not a whole number');
    const layered = await verge('deployment', 'create', 'cli-bad', '--manifest', files.base, '--target-condition', '*', '--priority', '1', '--layered');
    expect(layered.code).toBe(2);
    expect(layered.stderr).toContain('--layered');
    const notLayered = await verge('deployment', 'create', 'cli-bad', '--manifest', files.layer, '--target-condition', '*', '--priority', '1');
    expect(notLayered.code).toBe(2);
    expect(notLayered.stderr).toContain('add --layered');
    const rollout = await verge('deployment', 'create', 'cli-bad', '--manifest', files.base, '--target-condition', '*', '--priority', '1', '--rollout', files.rollout);
    expect(rollout.code).toBe(2);
    expect(rollout.stderr).toContain('must be a JSON object');
    const label = await verge('deployment', 'create', 'cli-bad', '--manifest', files.base, '--target-condition', '*', '--priority', '1', '--label', 'oops');
    expect(label.code).toBe(2);
    expect(label.stderr).toContain('--label value #1 "oops" is not of the form key=value');
    const missing = await verge('deployment', 'create', 'cli-bad', '--manifest', join(cloud.dataDir, 'nope.json'), '--target-condition', '*', '--priority', '1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    const draftOnly = await verge('deployment', 'plan', 'cli-base', '--priority', '3');
    expect(draftOnly.code).toBe(2);
    expect(draftOnly.stderr).toContain('--priority describes a draft: give --manifest too');
    const noCondition = await verge('deployment', 'plan', 'cli-x', '--manifest', files.base, '--priority', '3');
    expect(noCondition.code).toBe(2);
    expect(noCondition.stderr).toContain('--target-condition is required with --manifest');
    // '..' never reached the cloud as an id: the URL resolved it away and the CLI printed 'no route PUT /'.
    const dots = await verge('deployment', 'create', '..', '--manifest', files.base, '--target-condition', '*', '--priority', '1');
    expect(dots.code).toBe(1);
    expect(dots.stderr).toContain("TARGET_DEPLOYMENT_ID_INVALID: deployment id '..': is a path segment of its own");
    const duplicate = await verge('deployment', 'create', 'cli-base', '--manifest', files.base, '--target-condition', '*', '--priority', '1');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('CLD_CONFIGURATION_ALREADY_EXISTS');
    const unknown = await verge('device', 'explain', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("device 'nobody' is not registered");
    const configurations = (await json<ConfigurationDto[]>('deployment', 'list')).map((c) => c.id);
    expect(configurations).not.toContain('cli-bad');
    expect(configurations).not.toContain('cli-broken');
  });

  it('creates a deployment with a staged rollout and shows its waves in status', async () => {
    const policy = join(cloud.dataDir, 'waves.json');
    await writeFile(policy, JSON.stringify({ waves: [{ count: 1, successRate: 1, deadlineSeconds: 3600 }, { percent: 100, successRate: 1, deadlineSeconds: 3600 }] }));
    const created = await json<ConfigurationDto>('deployment', 'create', 'cli-staged', '--manifest', files.next, '--target-condition', "tags.env='prod'", '--priority', '40', '--rollout', policy);
    expect(created.rollout).toMatchObject({ waves: [{ count: 1 }, { percent: 100 }] });
    const watched = await verge('deployment', 'status', 'cli-staged', '--watch', '--interval', '1');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain('deployment cli-staged: targeted 3, applied 3, succeeded 3, failed 0, pending 0');
    expect(watched.stdout).toMatch(/rollout (running|completed)/);
    const status = await eventually(async () => {
      const s = await json<{ rollout?: { status: string; waves: { admitted: number }[] } }>('deployment', 'status', 'cli-staged');
      return s.rollout?.status === 'completed' ? s : undefined;
    }, { description: 'the rollout of cli-staged to complete' });
    expect(status.rollout?.waves.map((w) => w.admitted)).toEqual([1, 2]);
    expect((await verge('deployment', 'list')).stdout).toMatch(/cli-staged\s+40\s+standard\s+3\s+3\s+3\s+0\s+staged/);
    expect((await verge('deployment', 'delete', 'cli-staged')).code).toBe(0);
  });

  it('deletes a deployment; its devices keep their modules', async () => {
    expect((await verge('deployment', 'delete', 'cli-base')).stdout).toContain('deleted deployment cli-base');
    expect((await json<ConfigurationDto[]>('deployment', 'list')).map((c) => c.id)).not.toContain('cli-base');
    const explained = await eventually(async () => {
      const e = await json<EffectiveDeploymentDto>('device', 'explain', 'cli-sim-0');
      return e.deployments.length === 0 && e.inSync ? e : undefined;
    }, { description: 'cli-sim-0 to have no deployment left' });
    expect(explained.reason).toContain('no valid deployment targets');
    const agent = await cloud.api.twins.get({ deviceId: 'cli-sim-0', moduleId: '$edgeAgent' });
    expect(Object.keys((agent.properties.desired as { modules: Record<string, unknown> }).modules)).toEqual(['app']);
    const gone = await verge('deployment', 'delete', 'cli-base');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('CLD_CONFIGURATION_NOT_FOUND');
  });
});

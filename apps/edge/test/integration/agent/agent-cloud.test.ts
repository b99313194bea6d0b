// The edge agent against the real cloud (`startCloud`, ports 0) with the real process runtime (no Docker): a
// deployment written into the `$edgeAgent` module twin through the service REST API converges, the modules run,
// the cloud twin shows them `running`, and the agent's direct methods, management API and CLI commands work.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveModuleKey } from '@verge/core';
import { capturedVerge } from '../../../../cli/test/helpers/verge-cli-capture.js';
import { createAgent, type Agent } from '../../../src/agent/index.js';
import { agentOnTestCloud } from '../../helpers/agent-on-test-cloud.js';
import { ProcessModuleRuntime } from '../../../src/runtime/process/process-runtime.js';
import { eventually } from '@verge/testkit';
import { startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeAgentDesired, processModule } from '@verge/testkit/manifest';

const EDGE = 'agent-edge1';
let cloud: TestCloud;
let dataDir: string;
let agent: Agent;
let runtime: ProcessModuleRuntime;
let deviceKey: string;

/** A process module running a small Node program that logs its identity, then ticks until SIGTERM. */
function nodeModule(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const script = [
    `console.log('<6> hello from ' + process.env.IOTEDGE_MODULEID + ' gen ' + process.env.IOTEDGE_MODULEGENERATIONID + ' via ' + process.env.IOTEDGE_GATEWAYHOSTNAME);`,
    `console.error('<4> ${name} warns');`,
    `setInterval(() => console.log('<7> tick'), 500);`,
    `process.on('SIGTERM', () => process.exit(0));`,
  ].join('\n');
  return processModule(process.execPath, ['-e', script], extra);
}

interface ReportedModule {
  runtimeStatus: string;
  statusDescription: string;
  restartCount: number;
}

async function reported(): Promise<Record<string, unknown>> {
  const twin = (await cloud.ok('GET', `/twins/${EDGE}/modules/$edgeAgent`)) as { properties: { reported: Record<string, unknown> } };
  return twin.properties.reported;
}

async function invoke(methodName: string, payload: unknown): Promise<{ status: number; payload: unknown }> {
  return (await cloud.ok('POST', `/twins/${EDGE}/modules/$edgeAgent/methods`, { methodName, payload, responseTimeoutInSeconds: 20 })) as { status: number; payload: unknown };
}

/** Runs `verge ...args --data DIR` in-process and captures what it prints. */
const { verge } = capturedVerge(() => ['--data', dataDir]);

beforeAll(async () => {
  cloud = await startTestCloud();
  dataDir = await mkdtemp(join(tmpdir(), 'verge-agent-it-'));
  deviceKey = await cloud.createDevice(EDGE, { edge: true });
  // The cloud creates $edgeAgent and $edgeHub with the edge device, with keys derived from the device keys.
  runtime = await ProcessModuleRuntime.open({ dataDir: join(dataDir, 'process'), baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
  agent = createAgent({
    ...agentOnTestCloud(cloud, EDGE, deviceKey),
    stateDir: join(dataDir, 'agent'),
    managementSocketPath: join(dataDir, 'mgmt.sock'),
    runtimes: { process: runtime },
    policy: { maxRestartCount: 20, coolOffUnitSec: 1, maxCoolOffSec: 5, intensiveCareMs: 600_000, stopTimeoutMs: 3_000, stepBackoff: { baseMs: 200, maxMs: 2_000, jitter: 0.2 } },
    timing: { reconcilePeriodMs: 1_000, reporter: { minIntervalMs: 500, retryMs: 1_000 }, identityResyncMs: 1_000 },
  });
  await agent.start();
});

afterAll(async () => {
  await agent?.stop();
  await cloud?.stop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe('edge agent with the real cloud and the process runtime', () => {
  it('converges on a deployment set in the $edgeAgent twin and reports the modules running', async () => {
    await eventually(() => (agent.connected ? true : undefined), { description: 'the agent connected', timeoutMs: 15_000 });
    await cloud.ok('PUT', `/twins/${EDGE}/modules/$edgeAgent`, { properties: { desired: edgeAgentDesired({ modA: nodeModule('modA'), modB: nodeModule('modB', { startupOrder: 1 }) }) } });
    const report = await eventually(async () => {
      const r = await reported();
      const modules = r['modules'] as Record<string, ReportedModule> | undefined;
      return modules?.['modA']?.runtimeStatus === 'running' && modules['modB']?.runtimeStatus === 'running' ? r : undefined;
    }, { description: 'modules reported running', timeoutMs: 30_000 });
    expect(report).toMatchObject({ schemaVersion: '1.0', lastDesiredVersion: 2, lastDesiredStatus: { code: 200 }, systemModules: { edgeAgent: { runtimeStatus: 'running' }, edgeHub: { runtimeStatus: 'running' } } });
    // Module identities exist in the cloud with keys derived from the device key.
    const modules = (await cloud.ok('GET', `/devices/${EDGE}/modules`)) as { moduleId: string; generationId: string; managedBy: string | null; authentication: { symmetricKey: { primaryKey: string } } }[];
    expect(modules.map((m) => m.moduleId).sort()).toEqual(['$edgeAgent', '$edgeHub', 'modA', 'modB']);
    const modA = modules.find((m) => m.moduleId === 'modA');
    expect(modA?.managedBy).toBe('iotEdge');
    expect(modA?.authentication.symmetricKey.primaryKey).toBe(deriveModuleKey(deviceKey, 'modA', modA?.generationId ?? '', 'primary'));
    expect(agent.resolveModule('modA')).toEqual({ generationId: modA?.generationId });
  });

  it('refuses an invalid deployment with 400 and the path, keeping the modules running', async () => {
    const bad = edgeAgentDesired({ modA: nodeModule('modA'), modB: nodeModule('modB', { restartPolicy: 'sometimes' }) });
    await cloud.ok('PUT', `/twins/${EDGE}/modules/$edgeAgent`, { properties: { desired: bad } });
    const report = await eventually(async () => {
      const r = await reported();
      return r['lastDesiredVersion'] === 3 ? r : undefined;
    }, { description: 'the refusal reported', timeoutMs: 15_000 });
    expect(report['lastDesiredStatus']).toMatchObject({ code: 400 });
    expect((report['lastDesiredStatus'] as { description: string }).description).toContain('modules.modB.restartPolicy');
    const modules = report['modules'] as Record<string, ReportedModule>;
    expect([modules['modA']?.runtimeStatus, modules['modB']?.runtimeStatus]).toEqual(['running', 'running']);
    await cloud.ok('PUT', `/twins/${EDGE}/modules/$edgeAgent`, { properties: { desired: edgeAgentDesired({ modA: nodeModule('modA'), modB: nodeModule('modB', { startupOrder: 1 }) }) } });
    await eventually(async () => ((await reported())['lastDesiredStatus'] as { code: number }).code === 200 || undefined, { description: 'the deployment accepted again', timeoutMs: 15_000 });
  });

  it('answers ping, RestartModule and GetModuleLogs through the cloud', async () => {
    expect(await invoke('ping', null)).toEqual({ status: 200, payload: null });
    const logs = await eventually(async () => {
      const res = await invoke('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: 'modA', filter: { tail: 50, loglevel: 6 } }], encoding: 'none', contentType: 'text' });
      const [entry] = res.payload as { id: string; payload: string }[];
      return entry?.payload.includes('hello from modA') === true ? res : undefined;
    }, { description: 'modA logs', timeoutMs: 10_000 });
    const [entry] = logs.payload as { id: string; payload: string }[];
    expect(entry?.id).toBe('modA');
    expect(entry?.payload).toMatch(/<6> hello from modA gen \d+ via localhost:28883/);
    expect(entry?.payload).not.toContain('tick');
    const before = (await runtime.observe()).find((m) => m.id === 'modB')?.startedAtMs ?? 0;
    expect(await invoke('RestartModule', { schemaVersion: '1.0', id: 'modB' })).toEqual({ status: 200, payload: null });
    const after = (await runtime.observe()).find((m) => m.id === 'modB');
    expect(after?.state).toBe('running');
    expect(after?.startedAtMs ?? 0).toBeGreaterThan(before);
    expect(await invoke('RestartModule', { schemaVersion: '1.0', id: 'nope' })).toEqual({ status: 500, payload: { message: 'Module nope not found in the current environment' } });
    expect((await invoke('Reboot', {})).status).toBe(400);
  });

  it('serves the management API to the CLI: list, logs, restart', async () => {
    const list = await verge('edge', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+DESCRIPTION\s+RESTARTS\s+CONFIG$/);
    expect(list.stdout).toMatch(/\nmodA\s+running\s+running\s+0\s+/);
    const json = JSON.parse((await verge('edge', 'list', '--json')).stdout) as { id: string; runtimeStatus: string }[];
    // The system modules are listed too (issue 7: `edge list` shows exactly what `edge logs`/`edge restart` address).
    expect(json.map((m) => [m.id, m.runtimeStatus])).toEqual([
      ['edgeAgent', 'running'],
      ['edgeHub', 'running'],
      ['modA', 'running'],
      ['modB', 'running'],
    ]);
    const logs = await verge('edge', 'logs', 'modA', '--tail', '200');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('hello from modA');
    expect(logs.stdout).toContain('<4> modA warns');
    const restart = await verge('edge', 'restart', 'modA');
    expect(restart).toMatchObject({ code: 0, stdout: 'restarted modA\n' });
    const missing = await verge('edge', 'restart', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("error: AGT_MODULE_NOT_FOUND: module 'nope' does not exist on this edge device (`verge edge list` shows its modules)\n");
    const nowhere = await capturedVerge().verge('edge', 'list', '--data', join(dataDir, 'missing'));
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toBe(`error: AGT_MANAGEMENT_UNREACHABLE: cannot reach the edge runtime at ${join(dataDir, 'missing', 'mgmt.sock')} (ENOENT): is \`verge edge start\` running with this --data directory?\n`);
  });

  it('follows a crashing module with restarts and reports them', async () => {
    await cloud.ok('PATCH', `/twins/${EDGE}/modules/$edgeAgent`, {
      properties: { desired: { modules: { crasher: { version: '1', type: 'process', status: 'running', restartPolicy: 'always', settings: { command: process.execPath, args: ['-e', 'process.exit(3)'] } } } } },
    });
    // Cool-off 1 s, 2 s, 4 s … (coolOffUnitSec 1 in this test): the report shows the backoff with the exit code.
    const crasher = await eventually(async () => {
      const m = ((await reported())['modules'] as Record<string, ReportedModule> | undefined)?.['crasher'];
      return m !== undefined && m.restartCount >= 2 && m.runtimeStatus === 'backoff' ? m : undefined;
    }, { description: 'two restarts of the crasher, then backoff', timeoutMs: 30_000 });
    expect(crasher.statusDescription).toMatch(/^exited with code 3; restart \d+ of 20 (due now|in \d+ s)$/);
  });

  it("creates a deployed module's identity again after it was deleted in the cloud, and signs with its new generation", async () => {
    const before = agent.resolveModule('modB')?.generationId;
    expect(before).toBeDefined();
    await cloud.ok('DELETE', `/devices/${EDGE}/modules/modB`);
    // The deployment is unchanged: only the periodic read of the identities (1 s here) can notice.
    const recreated = await eventually(async () => {
      const res = await cloud.rest('GET', `/devices/${EDGE}/modules/modB`);
      return res.status === 200 ? (res.body as { generationId: string; managedBy: string; authentication: { symmetricKey: { primaryKey: string } } }) : undefined;
    }, { description: 'the identity of modB created again', timeoutMs: 20_000 });
    expect(recreated.generationId).not.toBe(before);
    expect(recreated.managedBy).toBe('iotEdge');
    await eventually(() => agent.resolveModule('modB')?.generationId === recreated.generationId, { description: 'the agent to learn the new generation' });
    expect(recreated.authentication.symmetricKey.primaryKey).toBe(deriveModuleKey(deviceKey, 'modB', recreated.generationId, 'primary'));
    // The module is recreated with the new generation (what the workload API signs for); modA is left alone.
    const modA = (await runtime.observe()).find((m) => m.id === 'modA')?.pid;
    await eventually(async () => {
      const pid = (await runtime.observe()).find((m) => m.id === 'modB' && m.state === 'running')?.pid;
      return pid !== undefined && (await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')).split('\0').includes(`IOTEDGE_MODULEGENERATIONID=${recreated.generationId}`);
    }, { description: 'modB running with its new generation', timeoutMs: 20_000 });
    expect((await runtime.observe()).find((m) => m.id === 'modA')?.pid).toBe(modA);
  });
});

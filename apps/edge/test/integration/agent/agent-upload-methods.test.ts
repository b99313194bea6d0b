// The edge agent's upload methods (reference §2.6: UploadModuleLogs, UploadSupportBundle, GetTaskStatus) invoked
// through the unmodified service SDK (azure-iothub `Client.invokeDeviceMethod(edge, '$edgeAgent', …)`) against a
// real cloud, uploading into the cloud's own blob store (Azurite) with a container SAS URL from `POST /files/sas`;
// the test downloads what was uploaded and reads it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import { createAgent, type Agent } from '../../../src/agent/index.js';
import { agentOnTestCloud } from '../../helpers/agent-on-test-cloud.js';
import { ProcessModuleRuntime } from '../../../src/runtime/process/process-runtime.js';
import { eventually, readTarGz } from '@verge/testkit';
import { serviceClient, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { edgeAgentDesired, processModule } from '@verge/testkit/manifest';

const EDGE = 'upload-edge1';
let cloud: TestCloud;
let dataDir: string;
let agent: Agent;
let deviceKey: string;
let service: InstanceType<typeof iothub.Client>;

type TaskAnswer = { status: string; message: string; correlationId: string };

async function invoke(methodName: string, payload: unknown): Promise<{ status: number; payload: unknown }> {
  const res = await service.invokeDeviceMethod(EDGE, '$edgeAgent', { methodName, payload, responseTimeoutInSeconds: 30 });
  return res.result as { status: number; payload: unknown };
}

async function sasUrl(): Promise<string> {
  return ((await cloud.ok('POST', '/files/sas', {})) as { sasUrl: string }).sasUrl;
}

async function finished(correlationId: string): Promise<TaskAnswer> {
  return eventually(
    async () => {
      const res = await invoke('GetTaskStatus', { schemaVersion: '1.0', correlationId });
      const task = res.payload as TaskAnswer;
      return task.status === 'Completed' || task.status === 'Failed' ? task : undefined;
    },
    { description: `task ${correlationId} to finish`, timeoutMs: 60_000 },
  );
}

async function download(name: string): Promise<Buffer> {
  const res = await fetch(`${cloud.cloud.urls.http}/files/blob?name=${encodeURIComponent(name)}`, { headers: { authorization: cloud.serviceToken() } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function blobsNamed(fragment: string): Promise<string[]> {
  const all = (await cloud.ok('GET', `/files/blobs?prefix=${encodeURIComponent(`${cloud.hostName}/${EDGE}/`)}`)) as { name: string }[];
  return all.map((b) => b.name).filter((n) => n.includes(fragment));
}

beforeAll(async () => {
  cloud = await startTestCloud();
  dataDir = await mkdtemp(join(tmpdir(), 'verge-upload-it-'));
  deviceKey = await cloud.createDevice(EDGE, { edge: true });
  // The installed config holds the connection string: the bundle must carry it redacted only.
  await mkdir(join(dataDir, 'config'), { recursive: true, mode: 0o700 });
  await writeFile(join(dataDir, 'config', 'edge.json'), JSON.stringify({ connectionString: `HostName=${cloud.hostName};DeviceId=${EDGE};SharedAccessKey=${deviceKey}` }), { mode: 0o600 });
  const runtime = await ProcessModuleRuntime.open({ dataDir: join(dataDir, 'process'), baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
  agent = createAgent({
    ...agentOnTestCloud(cloud, EDGE, deviceKey),
    stateDir: join(dataDir, 'agent'),
    dataDir,
    runtimes: { process: runtime },
    timing: { reconcilePeriodMs: 1_000, reporter: { minIntervalMs: 500, retryMs: 1_000 } },
  });
  await agent.start();
  service = serviceClient(iothub.Client, cloud);
  await eventually(() => (agent.connected ? true : undefined), { description: 'the agent connected', timeoutMs: 15_000 });
  // The module says its line on every tick, so any tail of its log holds it however far the log has grown.
  const script = `const say = () => console.log('<6> talker says ' + process.env.IOTEDGE_MODULEID); say(); setInterval(say, 300); process.on('SIGTERM', () => process.exit(0));`;
  await cloud.ok('PUT', `/twins/${EDGE}/modules/$edgeAgent`, { properties: { desired: edgeAgentDesired({ talker: processModule(process.execPath, ['-e', script]) }) } });
  await eventually(async () => ((await agent.listModules()).find((m) => m.id === 'talker')?.runtimeStatus === 'running' ? true : undefined), { description: 'talker running', timeoutMs: 30_000 });
});

afterAll(async () => {
  await service?.close().catch(() => undefined);
  await agent?.stop();
  await cloud?.stop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

describe('$edgeAgent upload methods through azure-iothub', () => {
  it('UploadModuleLogs uploads each module’s logs (text, and gzipped JSON), GetTaskStatus reports Completed', async () => {
    await eventually(async () => ((await agent.listModules()).length > 0 ? true : undefined), { description: 'modules listed' });
    const target = await sasUrl();
    const text = await invoke('UploadModuleLogs', { schemaVersion: '1.0', sasUrl: target, items: [{ id: 'talker', filter: { tail: 20 } }], encoding: 'none', contentType: 'text' });
    expect(text.status).toBe(200);
    const started = text.payload as TaskAnswer;
    expect(started).toMatchObject({ status: 'NotStarted', message: '' });
    expect(await finished(started.correlationId)).toEqual({ status: 'Completed', message: '', correlationId: started.correlationId });
    const [logName] = await blobsNamed('/talker-');
    expect(logName).toMatch(new RegExp(`^${cloud.hostName}/${EDGE}/talker-\\d{4}-\\d\\d-\\d\\d--\\d\\d-\\d\\d-\\d\\d\\.log$`));
    expect((await download(logName ?? '')).toString('utf8')).toContain('<6> talker says talker');

    const json = await invoke('UploadModuleLogs', { schemaVersion: '1.0', sasUrl: target, items: [{ id: 'talk.*' }], encoding: 'gzip', contentType: 'json' });
    expect(await finished((json.payload as TaskAnswer).correlationId)).toMatchObject({ status: 'Completed' });
    const gz = await eventually(async () => (await blobsNamed('.json.gz'))[0], { description: 'the gzipped JSON blob' });
    const lines = JSON.parse(gunzipSync(await download(gz)).toString('utf8')) as { id: string; text: string; iothub: string }[];
    expect(lines).toContainEqual(expect.objectContaining({ id: 'talker', iothub: cloud.hostName, text: 'talker says talker' }));
  });

  it('UploadSupportBundle uploads the support bundle, with the device key redacted', async () => {
    const res = await invoke('UploadSupportBundle', { schemaVersion: '1.0', sasUrl: await sasUrl(), since: '1h' });
    expect(res.status).toBe(200);
    expect(await finished((res.payload as TaskAnswer).correlationId)).toMatchObject({ status: 'Completed', message: '' });
    const [name] = await blobsNamed('/support-bundle-');
    expect(name).toMatch(/support-bundle-\d{4}-\d\d-\d\d--\d\d-\d\d-\d\d\.tar\.gz$/);
    const bundle = await download(name ?? '');
    const entries = await readTarGz(bundle);
    expect([...entries.keys()]).toEqual(expect.arrayContaining(['verge-support-bundle/check.json', 'verge-support-bundle/config/edge.json', 'verge-support-bundle/logs/modules/talker.log']));
    expect(entries.get('verge-support-bundle/logs/modules/talker.log')?.toString('utf8')).toContain('talker says talker');
    expect(gunzipSync(bundle).toString('latin1')).not.toContain(deviceKey);
  });

  it('a wrong or expired SAS URL ends Failed with the store’s reason; bad payloads and unknown tasks answer 400/404', async () => {
    const good = new URL(await sasUrl());
    good.searchParams.set('sig', Buffer.alloc(32, 7).toString('base64'));
    const forged = await invoke('UploadModuleLogs', { schemaVersion: '1.0', sasUrl: good.toString(), items: [{ id: 'talker' }] });
    const failed = await finished((forged.payload as TaskAnswer).correlationId);
    expect(failed.status).toBe('Failed');
    expect(failed.message).toMatch(/upload to localhost:\d+\/verge\/device-uploads\/.* refused: HTTP 403 AuthorizationFailure/);
    expect(failed.message).not.toContain('sig=');

    const nowhere = await invoke('UploadSupportBundle', { schemaVersion: '1.0', sasUrl: 'https://127.0.0.1:1/nowhere/c?sv=x&sig=y' });
    const unreachable = await finished((nowhere.payload as TaskAnswer).correlationId);
    expect(unreachable).toMatchObject({ status: 'Failed' });
    expect(unreachable.message).toContain('upload to 127.0.0.1:1/nowhere/c/');
    expect(unreachable.message).toContain('ECONNREFUSED');

    expect(await invoke('UploadModuleLogs', { schemaVersion: '1.0', items: [{ id: 'talker' }] })).toEqual({ status: 400, payload: { message: expect.stringContaining('UploadModuleLogs: sasUrl') } });
    expect(await invoke('UploadSupportBundle', { schemaVersion: '1.0', sasUrl: 'http://example.com/c?sig=1' })).toEqual({ status: 400, payload: { message: 'UploadSupportBundle: sasUrl: must be an https:// container SAS URL' } });
    expect(await invoke('GetTaskStatus', { schemaVersion: '1.0', correlationId: 'no-such-task' })).toEqual({ status: 404, payload: { message: expect.stringContaining("no task with correlationId 'no-such-task'") } });
    expect(await invoke('GetTaskStatus', { schemaVersion: '2.0', correlationId: 'x' })).toMatchObject({ status: 400 });
  });
});

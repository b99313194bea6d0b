import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import { eventually } from '@verge/testkit';
import { serviceClient, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { SdkClients, deviceConnectionString } from './sdk-support/sdk-clients.js';

// Jobs over many devices keep the API answering, and a running job resumes after a cloud restart.

const { Registry, JobClient } = iothub;
type JobJson = { status: string; startTime: string; deviceJobStatistics: { deviceCount: number; failedCount: number; succeededCount: number; runningCount: number; pendingCount: number } };

/** 3000 in CI; `VERGE_JOBS_SCALE_DEVICES=10000` for the 10k-device check. */
const DEVICES = Number(process.env['VERGE_JOBS_SCALE_DEVICES'] ?? 3000);
let cloud: TestCloud;
const sdk = new SdkClients();

beforeAll(async () => {
  cloud = await startTestCloud();
});
afterEach(async () => {
  await sdk.closeAll();
});
afterAll(async () => {
  await cloud?.stop();
});

const job = async (id: string): Promise<JobJson> => (await cloud.ok('GET', `/jobs/v2/${id}`)) as JobJson;

describe('jobs at scale and across restarts', () => {
  it(`a twin update over ${DEVICES} devices runs in batches while the API keeps answering`, async () => {
    const registry = serviceClient(Registry, cloud);
    for (let i = 0; i < DEVICES; i += 100) {
      const page = Array.from({ length: 100 }, (_, k) => ({ deviceId: `scale-${String(i + k).padStart(5, '0')}` }));
      expect(((await registry.addDevices(page)).responseBody as unknown as { isSuccessful: boolean }).isSuccessful).toBe(true);
    }
    const jobs = serviceClient(JobClient, cloud);
    await jobs.scheduleTwinUpdate('scale-job', "STARTSWITH(deviceId, 'scale-')", { etag: '*', properties: { desired: { fw: '3.1' } } });
    // Answered while the job is still running: part of the devices done, part not. A job that held the event loop
    // would only let this GET through once it had ended.
    const midway = await eventually(
      async () => {
        const j = await job('scale-job');
        const s = j.deviceJobStatistics;
        return j.status === 'running' && s.succeededCount > 0 && s.succeededCount < DEVICES ? j : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 10, description: 'a GET answered while the job runs' },
    );
    expect(midway.deviceJobStatistics.deviceCount).toBe(DEVICES);
    const other = await cloud.rest('GET', '/twins/scale-00001');
    expect(other.status).toBe(200);
    const done = await eventually(async () => ((await job('scale-job')).status === 'completed' ? job('scale-job') : undefined), { timeoutMs: 300_000, description: 'the job to complete' });
    console.info(`scale job: ${DEVICES} devices, ${Date.parse(String((done as { endTime?: string }).endTime)) - Date.parse(done.startTime)} ms from start to end`);
    expect(done.deviceJobStatistics).toEqual({ deviceCount: DEVICES, failedCount: 0, succeededCount: DEVICES, runningCount: 0, pendingCount: 0 });
    expect(await cloud.ok('GET', `/twins/scale-${String(DEVICES - 1).padStart(5, '0')}`)).toMatchObject({ properties: { desired: { fw: '3.1' } } });
  }, 600_000);

  it('a job running when the cloud stops resumes after the restart', async () => {
    const key = await cloud.createDevice('rs-1');
    const client = await sdk.device(deviceConnectionString({ hostName: cloud.hostName, deviceId: 'rs-1', key, port: cloud.mqttPort }), { ca: cloud.caPem });
    await client.open();
    client.onDeviceMethod('hang', () => undefined);
    await cloud.subscribed('rs-1', '$iothub/methods/POST/');
    await cloud.ok('PUT', '/jobs/v2/resume-job', { type: 'scheduleDeviceMethod', queryCondition: "deviceId = 'rs-1'", cloudToDeviceMethod: { methodName: 'hang', payload: null, responseTimeoutInSeconds: 300 } });
    await eventually(async () => (await job('resume-job')).deviceJobStatistics.runningCount === 1, { description: 'the method to be in flight' });
    const before = await job('resume-job');
    await sdk.closeAll();
    await cloud.pause();
    await cloud.resume();
    // The device is gone now: the resumed job fails it at once instead of waiting for the lost answer.
    const after = await eventually(async () => ((await job('resume-job')).status === 'completed' ? job('resume-job') : undefined), { timeoutMs: 20_000, description: 'the resumed job to complete' });
    expect(after).toMatchObject({ startTime: before.startTime, deviceJobStatistics: { deviceCount: 1, failedCount: 1, succeededCount: 0, runningCount: 0, pendingCount: 0 } });
    expect(await cloud.ok('GET', '/jobs/v2/resume-job/devices')).toEqual([expect.objectContaining({ deviceId: 'rs-1', status: 'failed', error: expect.objectContaining({ code: 'DeviceNotOnline' }) })]);
  }, 60_000);
});

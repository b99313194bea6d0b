import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import { FakeClock, advanceUntil, eventually } from '@verge/testkit';
import { serviceClient, startTestCloud, type TestCloud } from '@verge/testkit/cloud';
import { SdkClients, deviceConnectionString, nextDesired, type DeviceClient } from './sdk-support/sdk-clients.js';

// IoT Hub jobs v2 through the unmodified azure-iothub JobClient, against a real cloud (SQLite, MQTT endpoint with
// unmodified azure-iot-device clients answering methods). The cloud runs on a fake clock: scheduled starts and
// maxExecutionTimeInSeconds fire when the test moves time, not after real waits.

const { JobClient } = iothub;
type JobJson = {
  jobId: string;
  status: string;
  type: string;
  failureReason?: string;
  endTime?: string;
  deviceJobStatistics: { deviceCount: number; failedCount: number; succeededCount: number; runningCount: number; pendingCount: number };
};

const clock = new FakeClock(Date.now());
let cloud: TestCloud;
let jobs: InstanceType<typeof JobClient>;
const sdk = new SdkClients();

beforeAll(async () => {
  cloud = await startTestCloud(undefined, {}, { clock });
  jobs = serviceClient(JobClient, cloud);
});
afterEach(async () => {
  await sdk.closeAll();
});
afterAll(async () => {
  await cloud?.stop();
});

async function connect(deviceId: string, key: string): Promise<DeviceClient> {
  const client = await sdk.device(deviceConnectionString({ hostName: cloud.hostName, deviceId, key, port: cloud.mqttPort }), { ca: cloud.caPem });
  await client.open();
  return client;
}

async function deviceWithTags(deviceId: string, tags: Record<string, unknown>): Promise<string> {
  const key = await cloud.createDevice(deviceId);
  await cloud.ok('PATCH', `/twins/${deviceId}`, { tags });
  return key;
}

async function jobOf(jobId: string): Promise<JobJson> {
  return (await jobs.getJob(jobId)).jobStatus as unknown as JobJson;
}

function ended(jobId: string, status = 'completed', timeoutMs = 20_000): Promise<JobJson> {
  return eventually(
    async () => {
      const job = await jobOf(jobId);
      return job.status === status ? job : undefined;
    },
    { timeoutMs, description: `job ${jobId} to be ${status}` },
  );
}

describe('JobClient against the cloud', () => {
  it('scheduleTwinUpdate patches the matching twins; a connected device gets the desired patch', async () => {
    const key = await deviceWithTags('jt-1', { site: 'a' });
    await deviceWithTags('jt-2', { site: 'a' });
    await deviceWithTags('jt-3', { site: 'b' });
    const client = await connect('jt-1', key);
    const twin = await client.getTwin();
    const patched = nextDesired(twin, 'mode', 15_000);
    await cloud.subscribed('jt-1', '$iothub/twin/PATCH/properties/desired/');
    const created = await jobs.scheduleTwinUpdate('job-twin-1', "tags.site = 'a'", { etag: '*', tags: { rollout: 'w1' }, properties: { desired: { mode: 'eco' } } });
    expect(created.jobStatus).toMatchObject({ jobId: 'job-twin-1', type: 'scheduleUpdateTwin', queryCondition: "tags.site = 'a'", maxExecutionTimeInSeconds: 3600 });
    expect(['queued', 'running', 'completed']).toContain((created.jobStatus as unknown as JobJson).status);
    const done = await ended('job-twin-1');
    expect(done.deviceJobStatistics).toEqual({ deviceCount: 2, failedCount: 0, succeededCount: 2, runningCount: 0, pendingCount: 0 });
    expect(done.endTime).toBeDefined();
    expect(await patched).toMatchObject({ mode: 'eco' });
    for (const id of ['jt-1', 'jt-2']) {
      expect(await cloud.ok('GET', `/twins/${id}`)).toMatchObject({ tags: { site: 'a', rollout: 'w1' }, properties: { desired: { mode: 'eco' } } });
    }
    expect(((await cloud.ok('GET', '/twins/jt-3')) as { tags: Record<string, unknown> }).tags).toEqual({ site: 'b' });
  }, 30_000);

  it('scheduleDeviceMethod invokes connected devices; offline ones fail with DeviceNotOnline', async () => {
    const key = await cloud.createDevice('jm-1');
    await cloud.createDevice('jm-2');
    const client = await connect('jm-1', key);
    client.onDeviceMethod('reboot', (req, res) => void res.send(201, { delay: (req.payload as { delay: number }).delay }));
    await cloud.subscribed('jm-1', '$iothub/methods/POST/');
    await jobs.scheduleDeviceMethod('job-method-1', "deviceId IN ['jm-1', 'jm-2']", { methodName: 'reboot', payload: { delay: 5 }, responseTimeoutInSeconds: 10 });
    const done = await ended('job-method-1');
    expect(done).toMatchObject({ type: 'scheduleDeviceMethod', deviceJobStatistics: { deviceCount: 2, succeededCount: 1, failedCount: 1, pendingCount: 0, runningCount: 0 } });
    const devices = (await cloud.ok('GET', '/jobs/v2/job-method-1/devices')) as unknown[];
    expect(devices).toEqual([
      expect.objectContaining({ deviceId: 'jm-1', status: 'completed', outcome: { deviceMethodResponse: { status: 201, payload: { delay: 5 } } } }),
      expect.objectContaining({ deviceId: 'jm-2', status: 'failed', error: expect.objectContaining({ code: 'DeviceNotOnline' }) }),
    ]);
    expect(await cloud.ok('GET', '/jobs/v2/job-method-1/devices?status=failed')).toHaveLength(1);
  }, 30_000);

  it('a job with a later startTime is scheduled until then and can be cancelled', async () => {
    await cloud.createDevice('js-1');
    const later = new Date(clock.now + 3_600_000);
    const created = await jobs.scheduleTwinUpdate('job-later', "deviceId = 'js-1'", { properties: { desired: { x: 1 } } }, later, 600);
    expect(created.jobStatus).toMatchObject({ status: 'scheduled', startTime: later.toISOString(), maxExecutionTimeInSeconds: 600 });
    const cancelled = (await jobs.cancelJob('job-later')).jobStatus as unknown as JobJson;
    expect(cancelled.status).toBe('cancelled');
    expect(await jobOf('job-later')).toMatchObject({ status: 'cancelled' });
    // cancelling an ended job returns it unchanged
    expect(((await jobs.cancelJob('job-later')).jobStatus as unknown as JobJson).status).toBe('cancelled');
    expect(((await cloud.ok('GET', '/twins/js-1')) as { properties: { desired: Record<string, unknown> } }).properties.desired['x']).toBeUndefined();
  });

  it('a job scheduled ahead starts by itself when its startTime comes', async () => {
    await cloud.createDevice('js-2');
    const created = await jobs.scheduleTwinUpdate('job-soon', "deviceId = 'js-2'", { properties: { desired: { soon: true } } }, new Date(clock.now + 60_000), 60);
    expect((created.jobStatus as unknown as JobJson).status).toBe('scheduled');
    await clock.advance(59_000);
    expect(await jobOf('job-soon')).toMatchObject({ status: 'scheduled', deviceJobStatistics: { deviceCount: 0 } });
    // The runner's start timer fires at startTime (moving a second at a time: a pass may still be arming it).
    await advanceUntil(clock, async () => (await jobOf('job-soon')).status === 'completed', { stepMs: 1_000, description: 'job-soon to complete' });
    expect(await cloud.ok('GET', '/twins/js-2')).toMatchObject({ properties: { desired: { soon: true } } });
  });

  it('cancelJob stops a running job; maxExecutionTimeInSeconds fails one that runs too long', async () => {
    const key = await cloud.createDevice('jh-1');
    const client = await connect('jh-1', key);
    client.onDeviceMethod('hang', () => undefined);
    await cloud.subscribed('jh-1', '$iothub/methods/POST/');
    await jobs.scheduleDeviceMethod('job-hang-cancel', "deviceId = 'jh-1'", { methodName: 'hang', payload: null, responseTimeoutInSeconds: 60 });
    await eventually(async () => (await jobOf('job-hang-cancel')).deviceJobStatistics.runningCount === 1, { description: 'the method to be in flight' });
    await jobs.cancelJob('job-hang-cancel');
    const cancelled = await jobOf('job-hang-cancel');
    expect(cancelled).toMatchObject({ status: 'cancelled', deviceJobStatistics: { deviceCount: 1, pendingCount: 1, runningCount: 0, succeededCount: 0 } });

    await jobs.scheduleDeviceMethod('job-hang-overdue', "deviceId = 'jh-1'", { methodName: 'hang', payload: null, responseTimeoutInSeconds: 60 }, new Date(clock.now), 1);
    await eventually(async () => (await jobOf('job-hang-overdue')).deviceJobStatistics.runningCount === 1, { description: 'the overdue job\'s method to be in flight' });
    expect((await jobOf('job-hang-overdue')).status).toBe('running');
    // The deadline timer fires once a second of (fake) time has passed since the job started.
    await advanceUntil(clock, async () => (await jobOf('job-hang-overdue')).status === 'failed', { stepMs: 250, description: 'job-hang-overdue to fail' });
    const failed = await jobOf('job-hang-overdue');
    expect(failed.failureReason).toMatch(/maxExecutionTimeInSeconds \(1 s\)/);
    expect(await jobOf('job-hang-cancel')).toMatchObject({ status: 'cancelled' });
  }, 30_000);

  it('createQuery pages through jobs with type and status filters', async () => {
    for (const id of ['jq-a', 'jq-b', 'jq-c']) await jobs.scheduleTwinUpdate(id, "deviceId = 'none'", { tags: { q: 1 } }, new Date(clock.now + 3_600_000), 60);
    const query = jobs.createQuery('scheduleUpdateTwin', 'scheduled', 2);
    const seen: string[] = [];
    // The SDK's promise form of next() takes the token explicitly (without one it starts over).
    for (let pages = 0; query.hasMoreResults && pages < 10; pages += 1) {
      const page = (await query.next(query.continuationToken)).result as unknown as JobJson[];
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page.map((j) => j.jobId));
    }
    expect(seen).toEqual(['jq-a', 'jq-b', 'jq-c']);
    const methods = (await jobs.createQuery('scheduleDeviceMethod').next()).result as unknown as JobJson[];
    expect(methods.every((j) => j.type === 'scheduleDeviceMethod')).toBe(true);
    expect(methods.map((j) => j.jobId)).toContain('job-method-1');
  });

  it('refuses bad input with clear 400s, a taken id with 409, an unknown job with 404', async () => {
    const put = (id: string, body: unknown) => cloud.rest('PUT', `/jobs/v2/${id}`, body);
    const twin = { type: 'scheduleUpdateTwin', queryCondition: "deviceId = 'x'", updateTwin: { properties: { desired: { a: 1 } } } };
    expect(await put('bad-query', { ...twin, queryCondition: 'tags.site = = 1' })).toMatchObject({ status: 400, body: { code: 'QUERY_INVALID', message: expect.stringMatching(/^queryCondition: /) } });
    expect(await put('bad-type', { ...twin, type: 'export' })).toMatchObject({ status: 400, body: { code: 'JOB_REQUEST_INVALID', message: expect.stringMatching(/^type: 'export'/) } });
    expect(await put('no-patch', { type: 'scheduleUpdateTwin', queryCondition: "deviceId = 'x'" })).toMatchObject({ status: 400, body: { code: 'JOB_REQUEST_INVALID', message: expect.stringMatching(/^updateTwin: /) } });
    expect(await put('no-method', { type: 'scheduleDeviceMethod', queryCondition: "deviceId = 'x'" })).toMatchObject({ status: 400, body: { code: 'JOB_REQUEST_INVALID', message: expect.stringMatching(/^cloudToDeviceMethod: /) } });
    expect(await put('reported', { ...twin, updateTwin: { properties: { reported: { a: 1 } } } })).toMatchObject({ status: 400, body: { code: 'JOB_REQUEST_INVALID', message: expect.stringMatching(/^updateTwin.properties.reported: /) } });
    expect(await put('bad-start', { ...twin, startTime: 'tomorrow' })).toMatchObject({ status: 400, body: { code: 'JOB_REQUEST_INVALID', message: expect.stringMatching(/^startTime: /) } });
    expect(await put('other-id', { ...twin, jobId: 'different' })).toMatchObject({ status: 400, body: { code: 'JOB_REQUEST_INVALID', message: expect.stringMatching(/^jobId: /) } });
    expect(await put('no-query', { ...twin, queryCondition: undefined })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', message: expect.stringContaining('queryCondition') } });
    expect(await put('too-long', { ...twin, maxExecutionTimeInSeconds: 0 })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', message: expect.stringContaining('maxExecutionTimeInSeconds') } });
    expect((await put('dup-job', twin)).status).toBe(200);
    expect(await put('dup-job', twin)).toMatchObject({ status: 409, body: { code: 'JOB_ALREADY_EXISTS' } });
    await expect(jobs.scheduleTwinUpdate('dup-job', "deviceId = 'x'", { tags: { a: 1 } })).rejects.toMatchObject({ responseBody: expect.stringContaining('JOB_ALREADY_EXISTS') });
    expect(await cloud.rest('GET', '/jobs/v2/never')).toMatchObject({ status: 404, body: { code: 'JOB_NOT_FOUND' } });
    await expect(jobs.getJob('never')).rejects.toMatchObject({ responseBody: expect.stringContaining('ErrorCode:JobNotFound') });
    expect(await cloud.rest('GET', '/jobs/v2/query?jobStatus=done')).toMatchObject({ status: 400, body: { code: 'JOB_QUERY_INVALID', message: expect.stringMatching(/^jobStatus: 'done'/) } });
    expect(await cloud.rest('GET', '/jobs/v2/query', undefined, { 'x-ms-continuation': 'garbage' })).toMatchObject({ status: 400, body: { code: 'JOB_QUERY_INVALID' } });
  });
});

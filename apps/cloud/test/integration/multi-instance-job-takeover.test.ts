// A job survives the loss of the instance running it: two cloud instances share one PostgreSQL schema and one NATS
// bus; A holds the `jobs` lease and runs a twin job over several batches; A crashes (halted: its leases are not
// released) or drains (stopped: its leases are released) mid-run, and B takes the job over and finishes it.
// What the runner promises (job-runner.ts): a device whose outcome was written is never processed again; the devices
// in flight when the holder went may be processed once more (at least once): up to a batch after a crash, up to the
// runner's concurrency after a drain (it records the devices it finished).
import { afterEach, describe, expect, it } from 'vitest';
import iothub from 'azure-iothub';
import { eventually } from '@verge/testkit';
import { serviceClient, type TestCloud } from '@verge/testkit/cloud';
import { startTwoCloudInstances, type TwoCloudInstances } from '../helpers/two-cloud-instances.js';
import { SdkClients, deviceConnectionString, type DeviceMethodResponse } from './sdk-support/sdk-clients.js';

const { Registry } = iothub;
type JobJson = { status: string; deviceJobStatistics: { deviceCount: number; succeededCount: number; failedCount: number; runningCount: number; pendingCount: number } };

/** Devices of the job: three batches of the runner's default batch size (100). */
const DEVICES = 300;
const BATCH = 100;
/** Devices the runner processes at once (its default concurrency). */
const CONCURRENCY = 16;

let clouds: TwoCloudInstances | undefined;
const sdk = new SdkClients();
afterEach(async () => {
  await sdk.closeAll();
  await clouds?.stop();
  clouds = undefined;
});

async function addDevices(cloud: TestCloud, prefix: string): Promise<void> {
  const registry = serviceClient(Registry, cloud);
  const ids = Array.from({ length: DEVICES }, (_, i) => ({ deviceId: `${prefix}-${String(i).padStart(3, '0')}` }));
  for (let i = 0; i < ids.length; i += 100) await registry.addDevices(ids.slice(i, i + 100));
}

/**
 * Calls `lose` (synchronously, from A's own `desiredPatched` event) once A has patched `count` devices of `prefix`:
 * with `count` at one and a half batches, A is in the middle of its second batch. Resolves when `lose` has.
 */
function loseAfterPatches(cloud: TestCloud, prefix: string, count: number, lose: () => Promise<void>): Promise<void> {
  let patched = 0;
  return new Promise<void>((resolve, reject) => {
    const unsubscribe = cloud.cloud.services.endpoint.onDesiredPatch((id) => {
      if (!id.deviceId.startsWith(`${prefix}-`) || ++patched !== count) return;
      unsubscribe();
      lose().then(resolve, reject);
    });
  });
}

/** Device ids of the job's devices with `status`, as the store holds them now. */
async function deviceIdsWith(cloud: TestCloud, jobId: string, status: 'completed' | 'pending'): Promise<Set<string>> {
  const page = await cloud.cloud.services.jobs.devices(jobId, { status }, DEVICES + 1, undefined, (code) => code);
  return new Set(page.items.map((d) => d.deviceId));
}

/** Every device's desired `$version` (1 before any patch, 2 after one patch, 3 after two). */
async function desiredVersions(cloud: TestCloud, prefix: string): Promise<Map<string, number>> {
  const rows = (await cloud.ok('POST', '/devices/query', { query: `SELECT deviceId, properties.desired.$version AS dv, properties.desired.wave AS wave FROM devices WHERE STARTSWITH(deviceId, '${prefix}-')` }, { 'x-ms-max-item-count': '1000' })) as {
    deviceId: string;
    dv: number;
    wave: number;
  }[];
  expect(rows).toHaveLength(DEVICES);
  expect(rows.every((r) => r.wave === 1)).toBe(true);
  return new Map(rows.map((r) => [r.deviceId, r.dv]));
}

/**
 * Runs the job on A, takes A away with `lose` in the middle of its second batch, and checks that B completed it with
 * each device patched once, except at most `patchedTwice` devices (those in flight) patched twice, never one A
 * recorded.
 */
async function takeOver(prefix: string, lose: (c: TwoCloudInstances, idA: string) => Promise<void>, patchedTwice: number): Promise<{ recordedByA: number }> {
  const c = clouds as TwoCloudInstances;
  const [idA, idB] = [await c.instanceId(c.a), await c.instanceId(c.b)];
  await addDevices(c.a, prefix);
  // A started first: its runner's first pass took the lease, and its passes renew it.
  expect(await c.leaseHolder('jobs')).toBe(idA);
  const jobId = `${prefix}-job`;
  const lost = loseAfterPatches(c.a, prefix, BATCH + BATCH / 2, () => lose(c, idA));
  await c.b.ok('PUT', `/jobs/v2/${jobId}`, { type: 'scheduleUpdateTwin', queryCondition: `STARTSWITH(deviceId, '${prefix}-')`, updateTwin: { properties: { desired: { wave: 1 } } } });
  await lost;
  const recordedByA = await deviceIdsWith(c.b, jobId, 'completed');
  const left = (await c.b.ok('GET', `/jobs/v2/${jobId}`)) as JobJson;
  // The takeover is real: A left devices pending.
  expect(left.status).toBe('running');
  expect(recordedByA.size).toBeGreaterThanOrEqual(BATCH);
  expect(recordedByA.size).toBeLessThan(DEVICES);

  await eventually(async () => (await c.leaseHolder('jobs')) === idB, { timeoutMs: 30_000, description: 'B to hold the jobs lease' });
  const done = await eventually(
    async () => {
      const job = (await c.b.ok('GET', `/jobs/v2/${jobId}`)) as JobJson;
      return job.status === 'completed' ? job : undefined;
    },
    { timeoutMs: 60_000, description: `${jobId} to complete on B` },
  );
  expect(done.deviceJobStatistics).toEqual({ deviceCount: DEVICES, succeededCount: DEVICES, failedCount: 0, runningCount: 0, pendingCount: 0 });
  expect(await deviceIdsWith(c.b, jobId, 'pending')).toEqual(new Set());

  const versions = await desiredVersions(c.b, prefix);
  const twice = [...versions].filter(([, dv]) => dv === 3).map(([id]) => id);
  expect([...versions.values()].every((dv) => dv === 2 || dv === 3)).toBe(true);
  expect(twice.length).toBeLessThanOrEqual(patchedTwice);
  for (const id of twice) expect(recordedByA.has(id)).toBe(false);
  return { recordedByA: recordedByA.size };
}

describe('a job taken over by the other instance', () => {
  it('B finishes a twin job after A crashed mid-run, once the lease TTL freed the jobs lease', async () => {
    // Lease TTL 3 s, renewed every second.
    clouds = await startTwoCloudInstances({ retention: { pruneIntervalMs: 1_000 } });
    // A crash loses the batch in flight: the bound is a batch (halting records more than a crash would; see `halt`).
    await takeOver(
      'tk',
      async (c, idA) => {
        await c.halt(c.a);
        // Nothing released: the lease still names A until its TTL runs out.
        expect(await c.leaseHolder('jobs')).toBe(idA);
      },
      BATCH,
    );
  }, 180_000);

  it('B takes over at once after A drained: A released the lease, B does not wait for its TTL', async () => {
    // Lease TTL 300 s, far beyond the waits below: only a released lease lets B in within them.
    clouds = await startTwoCloudInstances({ retention: { pruneIntervalMs: 100_000 } });
    const { recordedByA } = await takeOver(
      'dr',
      async (c, idA) => {
        await c.a.pause();
        expect(await c.leaseHolder('jobs')).not.toBe(idA);
      },
      CONCURRENCY,
    );
    // Stopped in the middle of its second batch, A recorded the devices of that batch it had finished.
    expect(recordedByA).toBeGreaterThan(BATCH);
  }, 180_000);

  it('a live holder keeps the jobs lease through a batch longer than the TTL: the method runs once', async () => {
    // Lease TTL 1 s, renewed every 333 ms by the runner's poll, also while a batch waits for a device.
    clouds = await startTwoCloudInstances({ retention: { pruneIntervalMs: 333 } });
    const c = clouds;
    const idA = await c.instanceId(c.a);
    const key = await c.a.createDevice('lv-1');
    const client = await sdk.device(deviceConnectionString({ hostName: c.b.hostName, deviceId: 'lv-1', key, port: c.b.mqttPort }), { ca: c.b.caPem });
    await client.open();
    const answers: DeviceMethodResponse[] = [];
    client.onDeviceMethod('slow', (_req, res) => void answers.push(res));
    await c.b.subscribed('lv-1', '$iothub/methods/POST/');
    expect(await c.leaseHolder('jobs')).toBe(idA);

    await c.b.ok('PUT', '/jobs/v2/lv-job', { type: 'scheduleDeviceMethod', queryCondition: "deviceId = 'lv-1'", cloudToDeviceMethod: { methodName: 'slow', payload: null, responseTimeoutInSeconds: 120 } });
    await eventually(() => answers.length === 1, { description: 'the method to reach the device' });
    // The device keeps the batch in flight for ten renewals (over three TTLs), every one of them by A.
    const first = (await c.lease('jobs'))?.revision ?? 0;
    const holders = new Set<string | undefined>();
    await eventually(
      async () => {
        const lease = await c.lease('jobs');
        holders.add(lease?.holder);
        return (lease?.revision ?? 0) >= first + 10;
      },
      { timeoutMs: 30_000, description: 'ten renewals of the jobs lease' },
    );
    expect(holders).toEqual(new Set([idA]));
    await (answers[0] as DeviceMethodResponse).send(200, { done: true });
    const done = await eventually(
      async () => {
        const job = (await c.a.ok('GET', '/jobs/v2/lv-job')) as JobJson;
        return job.status === 'completed' ? job : undefined;
      },
      { timeoutMs: 30_000, description: 'lv-job to complete' },
    );
    expect(done.deviceJobStatistics).toMatchObject({ deviceCount: 1, succeededCount: 1, failedCount: 0 });
    expect(answers).toHaveLength(1);
  }, 120_000);
});

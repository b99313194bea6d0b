import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudStore } from '../../src/store/ports.js';
import type { JobRecord } from '../../src/store/records.js';

/** A store under test, reopened on the same data (`reopen`) and disposed after each test. */
export interface JobStoreFixture {
  readonly store: CloudStore;
  reopen(): Promise<CloudStore>;
  dispose(): Promise<void>;
}

export function aJob(jobId: string, over: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId,
    etag: `e-${jobId}`,
    type: 'scheduleUpdateTwin',
    queryCondition: "tags.site = 'a'",
    status: 'queued',
    updateTwin: { tags: { firmware: '2.0' } },
    cloudToDeviceMethod: null,
    createdAtMs: 1_000,
    startAtMs: 1_000,
    runStartedAtMs: null,
    endAtMs: null,
    maxExecutionTimeInSeconds: 3600,
    failureReason: null,
    statusMessage: null,
    counts: { deviceCount: 0, failedCount: 0, succeededCount: 0, runningCount: 0, pendingCount: 0 },
    updatedAtMs: 1_000,
    ...over,
  };
}

/** The `JobRepository` contract, run by every store implementation. */
export function describeJobRepositoryContract(name: string, open: () => Promise<JobStoreFixture>): void {
  describe(`JobRepository contract: ${name}`, () => {
    let fx: JobStoreFixture;
    let store: CloudStore;
    beforeEach(async () => {
      fx = await open();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.dispose();
    });

    it('stores a job with its payloads and reads it back after a reopen', async () => {
      const method = aJob('m1', { type: 'scheduleDeviceMethod', updateTwin: null, cloudToDeviceMethod: { methodName: 'reboot', payload: { delay: [1, 2] } }, endAtMs: 5, failureReason: 'x', statusMessage: 'y' });
      await store.jobs.put(aJob('t1'));
      await store.jobs.put(method);
      expect(await store.jobs.get('t1')).toEqual(aJob('t1'));
      store = await fx.reopen();
      expect(await store.jobs.get('m1')).toEqual(method);
      expect(await store.jobs.get('nope')).toBeUndefined();
    });

    it('writes conditionally: ifAbsent refuses an existing id, ifEtag a changed record', async () => {
      await store.jobs.put(aJob('j1'), { ifAbsent: true });
      await expect(store.jobs.put(aJob('j1'), { ifAbsent: true })).rejects.toMatchObject({ code: 'CLD_STORE_CONFLICT' });
      await store.jobs.put(aJob('j1', { etag: 'e2', status: 'running' }), { ifEtag: 'e-j1' });
      await expect(store.jobs.put(aJob('j1', { etag: 'e3' }), { ifEtag: 'e-j1' })).rejects.toMatchObject({ code: 'CLD_STORE_CONFLICT' });
      expect((await store.jobs.get('j1'))?.status).toBe('running');
    });

    it('lists by id with type and status filters and pages after an id', async () => {
      await store.jobs.put(aJob('c', { status: 'running' }));
      await store.jobs.put(aJob('a'));
      await store.jobs.put(aJob('b', { type: 'scheduleDeviceMethod', status: 'completed' }));
      expect((await store.jobs.list({ limit: 10 })).map((j) => j.jobId)).toEqual(['a', 'b', 'c']);
      expect((await store.jobs.list({ limit: 1, afterJobId: 'a' })).map((j) => j.jobId)).toEqual(['b']);
      expect((await store.jobs.list({ limit: 10, type: 'scheduleUpdateTwin' })).map((j) => j.jobId)).toEqual(['a', 'c']);
      expect((await store.jobs.list({ limit: 10, statuses: ['queued', 'running'] })).map((j) => j.jobId)).toEqual(['a', 'c']);
      expect(await store.jobs.list({ limit: 10, statuses: [] })).toEqual([]);
    });

    it('keeps per-device outcomes: pending rows, outcomes in batches, counts, paging', async () => {
      await store.jobs.put(aJob('j'));
      const ids = Array.from({ length: 250 }, (_, i) => `dev-${String(i).padStart(3, '0')}`);
      await store.jobs.addDevices('j', ids, 10);
      await store.jobs.addDevices('j', ['dev-000'], 11); // already there: left as it is
      expect(await store.jobs.countDevices('j')).toEqual({ pending: 250, completed: 0, failed: 0 });
      const first = await store.jobs.devices('j', { status: 'pending', limit: 100 });
      expect(first).toHaveLength(100);
      expect(first[0]).toEqual({ jobId: 'j', deviceId: 'dev-000', status: 'pending', outcome: null, error: null, updatedAtMs: 10 });
      await store.jobs.putDeviceOutcomes(
        first.map((r, i) =>
          i % 2 === 0
            ? { ...r, status: 'completed', outcome: { deviceMethodResponse: { status: 200, payload: { i } } }, updatedAtMs: 20 }
            : { ...r, status: 'failed', error: { code: 'CLD_DEVICE_NOT_CONNECTED', message: 'offline' }, updatedAtMs: 20 },
        ),
      );
      expect(await store.jobs.countDevices('j')).toEqual({ pending: 150, completed: 50, failed: 50 });
      expect((await store.jobs.devices('j', { status: 'pending', limit: 1 }))[0]?.deviceId).toBe('dev-100');
      const failed = await store.jobs.devices('j', { status: 'failed', limit: 2, afterDeviceId: 'dev-001' });
      expect(failed.map((r) => r.deviceId)).toEqual(['dev-003', 'dev-005']);
      expect(failed[0]).toMatchObject({ error: { code: 'CLD_DEVICE_NOT_CONNECTED', message: 'offline' }, outcome: null, updatedAtMs: 20 });
      expect((await store.jobs.devices('j', { limit: 1 }))[0]).toMatchObject({ status: 'completed', outcome: { deviceMethodResponse: { status: 200, payload: { i: 0 } } } });
      expect(await store.jobs.countDevices('other')).toEqual({ pending: 0, completed: 0, failed: 0 });
    });

    it('replacing a job keeps its device rows', async () => {
      await store.jobs.put(aJob('k'));
      await store.jobs.addDevices('k', ['d1'], 1);
      await store.jobs.put(aJob('k', { status: 'running' }));
      await store.jobs.put(aJob('k', { status: 'completed', etag: 'e9' }), { ifEtag: 'e-k' });
      expect(await store.jobs.countDevices('k')).toEqual({ pending: 1, completed: 0, failed: 0 });
    });

    it('adds devices and moves the job in one transaction, or neither', async () => {
      await store.jobs.put(aJob('t'));
      await expect(
        store.transaction(async (tx) => {
          await tx.jobs.addDevices('t', ['d1', 'd2'], 1);
          await tx.jobs.put(aJob('t', { status: 'running' }), { ifEtag: 'stale' });
        }),
      ).rejects.toMatchObject({ code: 'CLD_STORE_CONFLICT' });
      expect(await store.jobs.countDevices('t')).toEqual({ pending: 0, completed: 0, failed: 0 });
      await store.transaction(async (tx) => {
        await tx.jobs.addDevices('t', ['d1', 'd2'], 1);
        await tx.jobs.put(aJob('t', { status: 'running', etag: 'e2' }), { ifEtag: 'e-t' });
      });
      expect(await store.jobs.countDevices('t')).toEqual({ pending: 2, completed: 0, failed: 0 });
      expect((await store.jobs.get('t'))?.status).toBe('running');
    });
  });
}

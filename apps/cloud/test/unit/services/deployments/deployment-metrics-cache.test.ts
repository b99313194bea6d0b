import { afterEach, describe, expect, it, vi } from 'vitest';
import { edgeDeployment, processModule } from '@verge/testkit/manifest';
import { createDeploymentMetrics } from '../../../../src/services/deployments/deployment-metrics.js';
import { createTestCloud, type TestCloud } from '../../../helpers/fixtures.js';

// The metrics cache under a reporting fleet: change events only mark it stale, reloads of the twins are coalesced
// (readers share one), and a read right after a change still sees that change.

let cloud: TestCloud | undefined;
afterEach(() => cloud?.close());

async function fleet(c: TestCloud, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const deviceId = `mc-${i}`;
    await c.services.devices.putDevice(deviceId, { deviceId, capabilities: { iotEdge: true } }, undefined);
    await c.services.twins.patchTwin({ deviceId }, { tags: { ring: 0 } }, undefined);
  }
  const content = edgeDeployment({ modules: { mc: processModule('node', ['mc.js']) }, routes: {} });
  await c.services.deployments.put('ring-one', { id: 'ring-one', priority: 10, targetCondition: 'tags.ring = 1', content }, undefined);
}

describe('deployment metrics cache', () => {
  it('answers repeated reads from one load while nothing changes', async () => {
    const c = (cloud = createTestCloud());
    await fleet(c, 3);
    const metrics = createDeploymentMetrics(c.ctx);
    const stop = metrics.start();
    const loads = vi.spyOn(c.store.twins, 'all');
    const record = (await c.store.configurations.get('ring-one'))!;
    for (let i = 0; i < 5; i++) expect((await metrics.results(record)).system.targetedCount).toBe(0);
    expect(loads).toHaveBeenCalledTimes(2); // device twins + module twins, once
    stop();
  });

  it('sees a change read right after it, with no wait for an interval to pass', async () => {
    const c = (cloud = createTestCloud());
    await fleet(c, 3);
    const metrics = createDeploymentMetrics(c.ctx);
    const stop = metrics.start();
    const record = (await c.store.configurations.get('ring-one'))!;
    expect((await metrics.devices(record)).systemMetrics.targetedCount).toEqual([]);
    for (let i = 0; i < 3; i++) {
      await c.services.twins.patchTwin({ deviceId: `mc-${i}` }, { tags: { ring: 1 } }, undefined);
      expect((await metrics.devices(record)).systemMetrics.targetedCount).toEqual(Array.from({ length: i + 1 }, (_, k) => `mc-${k}`));
    }
    stop();
  });

  it('coalesces a burst of changes and concurrent reads into few loads, each read seeing every change before it', async () => {
    const c = (cloud = createTestCloud());
    await fleet(c, 20);
    const metrics = createDeploymentMetrics(c.ctx);
    const stop = metrics.start();
    const record = (await c.store.configurations.get('ring-one'))!;
    await metrics.results(record);
    const loads = vi.spyOn(c.store.twins, 'all');
    const reads: Promise<number>[] = [];
    for (let i = 0; i < 20; i++) {
      await c.services.twins.patchTwin({ deviceId: `mc-${i}` }, { tags: { ring: 1 } }, undefined);
      // Ten readers after each change: every one must count at least the devices changed so far.
      for (let r = 0; r < 10; r++) reads.push(metrics.results(record).then((m) => m.system.targetedCount - (i + 1)));
    }
    const behind = await Promise.all(reads);
    expect(behind.every((d) => d >= 0)).toBe(true);
    expect((await metrics.results(record)).system.targetedCount).toBe(20);
    // 200 reads over 20 changes: far fewer than one load (two `twins.all` calls) per read or per change.
    expect(loads.mock.calls.length / 2).toBeLessThan(20);
    stop();
  });

  it('keeps serving after a load fails, and the next read retries', async () => {
    const c = (cloud = createTestCloud());
    await fleet(c, 2);
    const metrics = createDeploymentMetrics(c.ctx);
    const stop = metrics.start();
    const record = (await c.store.configurations.get('ring-one'))!;
    const all = vi.spyOn(c.store.twins, 'all').mockRejectedValueOnce(new Error('store down'));
    await expect(metrics.results(record)).rejects.toThrow('store down');
    expect((await metrics.results(record)).system.targetedCount).toBe(0);
    expect(all.mock.calls.length).toBeGreaterThanOrEqual(3);
    stop();
  });
});

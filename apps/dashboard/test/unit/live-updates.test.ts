import { describe, expect, it } from 'vitest';
import type { ChangeEventDto } from '@verge/contracts';
import { FakeClock } from '@verge/testkit';
import { CoalescedReloader } from '../../src/components/coalesced-reloader.js';
import { deploymentChanges, deviceChanges, fleetChanges, jobChanges, rolloutChanges } from '../../src/fleet/change-filters.js';

/** A load that finishes when the test says so. */
function controlledLoad() {
  const finishers: (() => void)[] = [];
  let starts = 0;
  return {
    starts: () => starts,
    finishAll: () => finishers.splice(0).forEach((f) => f()),
    load: () => {
      starts += 1;
      return new Promise<void>((resolve) => finishers.push(resolve));
    },
  };
}

describe('CoalescedReloader (a view reloading on changes)', () => {
  it('runs at once when idle, then folds any burst into one run at least the gap later', async () => {
    const clock = new FakeClock();
    const l = controlledLoad();
    const r = new CoalescedReloader(l.load, 500, clock);
    r.request();
    expect(l.starts()).toBe(1);
    for (let i = 0; i < 100; i++) r.request();
    l.finishAll();
    await clock.advance(499);
    expect(l.starts()).toBe(1);
    await clock.advance(1);
    expect(l.starts()).toBe(2);
    l.finishAll();
    await clock.advance(10_000);
    expect(l.starts()).toBe(2);
    // Idle longer than the gap: the next request runs at once.
    r.request();
    expect(l.starts()).toBe(3);
  });

  it('never runs twice at once, and a request during a slow run is served after it', async () => {
    const clock = new FakeClock();
    const l = controlledLoad();
    const r = new CoalescedReloader(l.load, 500, clock);
    r.request();
    await clock.advance(2000);
    r.request();
    await clock.advance(2000);
    expect(l.starts()).toBe(1);
    l.finishAll();
    await clock.advance(0);
    expect(l.starts()).toBe(2);
  });

  it('starts nothing after stop', async () => {
    const clock = new FakeClock();
    const l = controlledLoad();
    const r = new CoalescedReloader(l.load, 500, clock);
    r.request();
    r.request();
    r.stop();
    l.finishAll();
    await clock.advance(1000);
    r.request();
    expect(l.starts()).toBe(1);
  });
});

describe('which changes each view reloads on', () => {
  const twin = (deviceId: string, moduleId?: string): ChangeEventDto => ({ kind: 'twin', deviceId, ...(moduleId === undefined ? {} : { moduleId }), sections: ['reported'] });
  it('device page: that device and its modules only, or an `all` of a device kind', () => {
    const f = deviceChanges('d1');
    expect(f(twin('d1'))).toBe(true);
    expect(f(twin('d1', '$edgeAgent'))).toBe(true);
    expect(f({ kind: 'connection', deviceId: 'd1', connected: false })).toBe(true);
    expect(f(twin('d10'))).toBe(false);
    expect(f({ kind: 'twin', all: true })).toBe(true);
    expect(f({ kind: 'job', jobId: 'j' })).toBe(false);
  });
  it('fleet page: devices, connections, `$edgeAgent` twins and deployments; not other module twins or jobs', () => {
    expect(fleetChanges(twin('d1'))).toBe(true);
    expect(fleetChanges(twin('d1', '$edgeAgent'))).toBe(true);
    expect(fleetChanges(twin('d1', 'sensor'))).toBe(false);
    expect(fleetChanges({ kind: 'connection', deviceId: 'd1', moduleId: 'sensor', connected: true })).toBe(true);
    expect(fleetChanges({ kind: 'configuration', configurationId: 'c', change: 'updated' })).toBe(true);
    expect(fleetChanges({ kind: 'job', jobId: 'j' })).toBe(false);
  });
  it('deployment, rollout and jobs', () => {
    expect(deploymentChanges('c1')({ kind: 'rollout', configurationId: 'c1' })).toBe(true);
    expect(deploymentChanges('c1')({ kind: 'rollout', configurationId: 'c2' })).toBe(false);
    expect(rolloutChanges('c1')(twin('d1', '$edgeAgent'))).toBe(true);
    expect(rolloutChanges('c1')(twin('d1'))).toBe(false);
    expect(jobChanges({ kind: 'job', jobId: 'j' })).toBe(true);
    expect(jobChanges(twin('d1'))).toBe(false);
  });
});

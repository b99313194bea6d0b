import { describe, expect, it } from 'vitest';
import type { ChangeEventDto } from '@verge/contracts';
import { FakeClock, silentLog } from '@verge/testkit';
import { createInProcessEventBus } from '../../../src/events/in-process-event-bus.js';
import { createChangeFeed } from '../../../src/http/change-feed.js';

function setUp(maxKeysPerKind = 3) {
  const clock = new FakeClock();
  const bus = createInProcessEventBus(silentLog());
  const feed = createChangeFeed(bus, clock, { windowMs: 250, maxKeysPerKind });
  const batches: (readonly ChangeEventDto[])[] = [];
  const unsubscribe = feed.subscribe((b) => batches.push(b));
  return { clock, bus, feed, batches, unsubscribe };
}

describe('change feed (the coalescing behind GET /events/changes)', () => {
  it('names what changed for every change topic, and nothing else', async () => {
    const { clock, bus, batches } = setUp(10);
    bus.publish('twinChanged', { id: { deviceId: 'd1' }, tags: true, desired: false, reported: true });
    bus.publish('connectionChanged', { id: { deviceId: 'd1', moduleId: 'm' }, connected: true, instanceId: 'i-1' });
    bus.publish('identityChanged', { id: { deviceId: 'd2' }, change: 'deleted' });
    bus.publish('configurationChanged', { id: 'c1', change: 'created' });
    bus.publish('rolloutChanged', { configurationId: 'c1' });
    bus.publish('jobChanged', { jobId: 'j1' });
    bus.publish('telemetry', { record: {} as never });
    bus.publish('desiredPatched', { id: { deviceId: 'd1' }, patch: { secret: 's' }, version: 2 });
    expect(batches).toEqual([]);
    await clock.advance(250);
    expect(batches).toEqual([
      [
        { kind: 'twin', deviceId: 'd1', sections: ['tags', 'reported'] },
        { kind: 'connection', deviceId: 'd1', moduleId: 'm', connected: true },
        { kind: 'identity', deviceId: 'd2', change: 'deleted' },
        { kind: 'configuration', configurationId: 'c1', change: 'created' },
        { kind: 'rollout', configurationId: 'c1' },
        { kind: 'job', jobId: 'j1' },
      ],
    ]);
  });

  it('sends one event per key per window, merging twin sections and keeping the last state', async () => {
    const { clock, bus, batches } = setUp();
    bus.publish('twinChanged', { id: { deviceId: 'd1' }, tags: false, desired: true, reported: false });
    await clock.advance(100);
    bus.publish('twinChanged', { id: { deviceId: 'd1' }, tags: false, desired: false, reported: true });
    bus.publish('twinChanged', { id: { deviceId: 'd1', moduleId: '$edgeAgent' }, tags: false, desired: false, reported: true });
    bus.publish('connectionChanged', { id: { deviceId: 'd1' }, connected: true, instanceId: 'a' });
    bus.publish('connectionChanged', { id: { deviceId: 'd1' }, connected: false, instanceId: 'a' });
    await clock.advance(149);
    expect(batches).toEqual([]);
    await clock.advance(1);
    expect(batches).toEqual([
      [
        { kind: 'twin', deviceId: 'd1', sections: ['desired', 'reported'] },
        { kind: 'twin', deviceId: 'd1', moduleId: '$edgeAgent', sections: ['reported'] },
        { kind: 'connection', deviceId: 'd1', connected: false },
      ],
    ]);
    // A later change opens a new window; a quiet feed keeps no timer.
    expect(clock.pendingTimers).toBe(0);
    bus.publish('jobChanged', { jobId: 'j1' });
    await clock.advance(250);
    expect(batches[1]).toEqual([{ kind: 'job', jobId: 'j1' }]);
  });

  it('turns more keys of one kind than the threshold into a single `all` event, other kinds unaffected', async () => {
    const { clock, bus, batches } = setUp(3);
    for (let i = 0; i < 10_000; i++) bus.publish('twinChanged', { id: { deviceId: `d${i}` }, tags: false, desired: true, reported: false });
    bus.publish('jobChanged', { jobId: 'j1' });
    await clock.advance(250);
    expect(batches).toEqual([[{ kind: 'twin', all: true }, { kind: 'job', jobId: 'j1' }]]);
  });

  it('listens to the bus only while someone follows it', async () => {
    const { clock, bus, feed, batches, unsubscribe } = setUp();
    unsubscribe();
    bus.publish('jobChanged', { jobId: 'gone' });
    expect(clock.pendingTimers).toBe(0);
    const again: (readonly ChangeEventDto[])[] = [];
    const off = feed.subscribe((b) => again.push(b));
    bus.publish('jobChanged', { jobId: 'j2' });
    await clock.advance(250);
    expect(again).toEqual([[{ kind: 'job', jobId: 'j2' }]]);
    expect(batches).toEqual([]);
    off();
  });
});

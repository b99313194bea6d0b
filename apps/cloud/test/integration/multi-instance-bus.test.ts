// The bus pieces against the real NATS server (JetStream): events between two instances, direct methods handed
// over to the instance holding the connection, leases with two holders. Each test has its own bus prefix.
import { connect, type NatsConnection } from 'nats';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { VergeError, isVergeError } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import { createTestBus, type TestBus } from '@verge/testkit/cloud';
import { eventually, silentLog } from '@verge/testkit';
import { startTcpProxy } from '@verge/testkit/faults';
import { createNatsEventBus, type NatsEventBus } from '../../src/bus/nats-event-bus.js';
import { createNatsKvLeases } from '../../src/bus/nats-kv-lease.js';
import { busNames } from '../../src/bus/nats-subjects.js';
import { createRemoteMethods } from '../../src/bus/remote-methods.js';
import type { DeviceGateway, MethodResult } from '../../src/services/types.js';

const log = silentLog();
let bus: TestBus | undefined;
afterEach(async () => {
  await bus?.drop();
  bus = undefined;
});

async function instance(b: TestBus, instanceId: string, server = b.server): Promise<{ nc: NatsConnection; events: NatsEventBus }> {
  // As the cloud connects (open-cloud-bus.ts): reconnects for ever; here quickly, so a test waits little for it.
  const nc = await connect({ servers: server, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const events = createNatsEventBus(nc, busNames(b.prefix), instanceId, log);
  await events.ready();
  onTestFinished(async () => {
    events.close();
    await nc.close();
  });
  return { nc, events };
}

/** A device endpoint's gateway that holds the given clients and answers methods with `answer`. */
function fakeEndpoint(held: Set<string>, answer: (id: ClientIdentity, method: string, payload: unknown) => Promise<MethodResult>): DeviceGateway {
  return {
    isConnected: (id) => held.has(id.deviceId),
    invokeMethod: async (id, methodName, payload) => {
      if (!held.has(id.deviceId)) throw new VergeError('CLD_DEVICE_NOT_CONNECTED', 'not here');
      return answer(id, methodName, payload);
    },
  };
}

describe('NATS event bus', () => {
  it('delivers an event published on one instance to the other once, and to its own listeners once', async () => {
    bus = createTestBus();
    const a = await instance(bus, 'a');
    const b = await instance(bus, 'b');
    const seenA: number[] = [];
    const seenB: number[] = [];
    a.events.subscribe('desiredPatched', (e) => seenA.push(e.version));
    b.events.subscribe('desiredPatched', (e) => seenB.push(e.version));
    const received = new Promise<void>((resolve) => b.events.subscribe('c2dEnqueued', () => resolve()));

    a.events.publish('desiredPatched', { id: { deviceId: 'd.1*' }, patch: { x: 1, $version: 7 }, version: 7 });
    a.events.publish('c2dEnqueued', { deviceId: 'd.1*' });
    await received; // events of one publisher arrive in order: the patch came first
    await a.nc.flush();

    expect(seenB).toEqual([7]);
    expect(seenA).toEqual([7]);
  });

  it('keeps telemetry events inside the instance (the JetStream stream carries them)', async () => {
    bus = createTestBus();
    const a = await instance(bus, 'a');
    const b = await instance(bus, 'b');
    let remote = 0;
    b.events.subscribe('telemetry', () => (remote += 1));
    const marker = new Promise<void>((resolve) => b.events.subscribe('c2dEnqueued', () => resolve()));
    a.events.publish('telemetry', { record: { sequenceNumber: 1, deviceId: 'd', enqueuedAtMs: 0, sizeBytes: 0, message: { body: new Uint8Array(), properties: {}, systemProperties: {} } } });
    a.events.publish('c2dEnqueued', { deviceId: 'd' });
    await marker;
    expect(remote).toBe(0);
  });
});

describe('direct methods across instances', () => {
  it('hands a method over to the instance holding the connection and returns its answer; 404 when nobody holds it', async () => {
    bus = createTestBus();
    const names = busNames(bus.prefix);
    const a = await instance(bus, 'a');
    const b = await instance(bus, 'b');
    const heldByB = new Set<string>();
    const endpointB = fakeEndpoint(heldByB, async (_id, method, payload) => ({ status: 201, payload: { method, echo: payload } }));
    const methodsA = createRemoteMethods({ nc: a.nc, names, bus: a.events, instanceId: 'a', local: () => fakeEndpoint(new Set(), () => Promise.reject(new Error('unused'))), log });
    const methodsB = createRemoteMethods({ nc: b.nc, names, bus: b.events, instanceId: 'b', local: () => endpointB, log });
    onTestFinished(() => (methodsA.close(), methodsB.close()));

    const offline = await methodsA.gateway.invokeMethod({ deviceId: 'dev.1' }, 'reboot', null, 1_000).catch((e: unknown) => e);
    expect(isVergeError(offline, 'CLD_DEVICE_NOT_CONNECTED')).toBe(true);

    heldByB.add('dev.1');
    const seenOnA = new Promise<void>((resolve) => a.events.subscribe('connectionChanged', (e) => e.instanceId === 'b' && resolve()));
    b.events.publish('connectionChanged', { id: { deviceId: 'dev.1' }, connected: true, instanceId: 'b' });
    await seenOnA;
    await b.nc.flush();

    expect(await methodsA.gateway.isConnected({ deviceId: 'dev.1' })).toBe(true);
    expect(await methodsA.gateway.invokeMethod({ deviceId: 'dev.1' }, 'reboot', { delay: 1 }, 5_000)).toEqual({ status: 201, payload: { method: 'reboot', echo: { delay: 1 } } });

    heldByB.delete('dev.1');
    b.events.publish('connectionChanged', { id: { deviceId: 'dev.1' }, connected: false, instanceId: 'b' });
    await eventually(async () => expect(await methodsA.gateway.isConnected({ deviceId: 'dev.1' })).toBe(false), { description: 'B stops answering for dev.1' });
  });

  it("returns the holder's error with its code (a device that does not answer in time is 504 CLD_METHOD_TIMEOUT)", async () => {
    bus = createTestBus();
    const names = busNames(bus.prefix);
    const a = await instance(bus, 'a');
    const b = await instance(bus, 'b');
    const endpointB = fakeEndpoint(new Set(['slow']), () => Promise.reject(new VergeError('CLD_METHOD_TIMEOUT', 'slow did not answer')));
    const methodsA = createRemoteMethods({ nc: a.nc, names, bus: a.events, instanceId: 'a', local: () => undefined, log });
    const methodsB = createRemoteMethods({ nc: b.nc, names, bus: b.events, instanceId: 'b', local: () => endpointB, log });
    onTestFinished(() => (methodsA.close(), methodsB.close()));
    b.events.publish('connectionChanged', { id: { deviceId: 'slow' }, connected: true, instanceId: 'b' });
    await b.nc.flush();

    const err = await methodsA.gateway.invokeMethod({ deviceId: 'slow' }, 'm', null, 100).catch((e: unknown) => e);
    expect(isVergeError(err, 'CLD_METHOD_TIMEOUT')).toBe(true);
    expect((err as VergeError).status).toBe(504);
  });
});

describe('direct methods while the bus is down', () => {
  /** Instances a (its NATS link through a proxy the test cuts or stalls) and b, which holds client dev.b. */
  async function aThroughProxyAndDevOnB() {
    bus = createTestBus();
    const names = busNames(bus.prefix);
    const proxy = await startTcpProxy(Number(new URL(bus.server).port));
    onTestFinished(() => proxy.close());
    const a = await instance(bus, 'a', `nats://127.0.0.1:${proxy.port}`);
    const b = await instance(bus, 'b');
    const endpointB = fakeEndpoint(new Set(['dev.b']), async () => ({ status: 200, payload: 'B' }));
    const methodsA = createRemoteMethods({ nc: a.nc, names, bus: a.events, instanceId: 'a', local: () => undefined, log });
    const methodsB = createRemoteMethods({ nc: b.nc, names, bus: b.events, instanceId: 'b', local: () => endpointB, log });
    onTestFinished(() => (methodsA.close(), methodsB.close()));
    b.events.publish('connectionChanged', { id: { deviceId: 'dev.b' }, connected: true, instanceId: 'b' });
    await b.nc.flush();
    expect(await methodsA.gateway.isConnected({ deviceId: 'dev.b' })).toBe(true);
    return { a, proxy, methodsA };
  }

  it('answers 503 CLD_BUS_UNAVAILABLE, not 404, for a client another instance may hold; hands over again once the bus is back', async () => {
    const { a, proxy, methodsA } = await aThroughProxyAndDevOnB();

    // A's link to NATS is cut: dev.b is still online on B, which A cannot ask.
    const down = (async () => {
      for await (const s of a.nc.status()) if (s.type === 'disconnect') return;
    })();
    proxy.cut();
    await down;
    for (const outcome of [methodsA.gateway.isConnected({ deviceId: 'dev.b' }), methodsA.gateway.invokeMethod({ deviceId: 'dev.b' }, 'm', null, 1_000)]) {
      const err = await outcome.catch((e: unknown) => e);
      expect(isVergeError(err, 'CLD_BUS_UNAVAILABLE')).toBe(true);
      expect((err as VergeError).status).toBe(503);
      expect((err as VergeError).message).toBe("the bus (NATS) is unreachable: cannot ask the other cloud instances whether device 'dev.b' is connected to one of them");
    }

    proxy.restore();
    await eventually(async () => expect(await methodsA.gateway.invokeMethod({ deviceId: 'dev.b' }, 'm', null, 1_000).catch((e: unknown) => e)).toEqual({ status: 200, payload: 'B' }), {
      timeoutMs: 20_000,
      description: 'the method handed over again after the bus returned',
    });
  });

  it('answers 503 CLD_BUS_UNAVAILABLE, not 404, when the link looks up but the server no longer answers (stalled)', async () => {
    const { proxy, methodsA } = await aThroughProxyAndDevOnB();

    proxy.stall();
    const err = await methodsA.gateway.isConnected({ deviceId: 'dev.b' }).catch((e: unknown) => e);
    expect(isVergeError(err, 'CLD_BUS_UNAVAILABLE')).toBe(true);
    proxy.restore();
    expect(await methodsA.gateway.isConnected({ deviceId: 'dev.b' })).toBe(true);
  });
});

describe('NATS KV leases', () => {
  it('lets one of two holders hold a lease, renews it, and hands it over when released or expired', async () => {
    bus = createTestBus();
    const names = busNames(bus.prefix);
    const a = await instance(bus, 'a');
    const b = await instance(bus, 'b');
    const ttlMs = 1_000;
    const kvA = await a.nc.jetstream().views.kv(names.leaseBucket, { ttl: ttlMs, history: 1 });
    const kvB = await b.nc.jetstream().views.kv(names.leaseBucket, { ttl: ttlMs, history: 1 });
    const leaseA = createNatsKvLeases(kvA, 'a').lease('retention');
    const leaseB = createNatsKvLeases(kvB, 'b').lease('retention');

    const first = await Promise.all([leaseA.hold(), leaseB.hold()]);
    expect(first.filter(Boolean)).toHaveLength(1); // exactly one holder, whoever came first
    const [holder, other] = first[0] === true ? [leaseA, leaseB] : [leaseB, leaseA];
    expect(await holder.hold()).toBe(true); // renewal
    expect(await other.hold()).toBe(false);

    await holder.release();
    expect(await other.hold()).toBe(true);
    expect(await holder.hold()).toBe(false);

    // The holder stops renewing (a crash): after the TTL the lease is free. Real time: the TTL is the scenario.
    await eventually(async () => expect(await holder.hold()).toBe(true), { timeoutMs: 10_000, intervalMs: 200, description: 'the unrenewed lease expires' });
    expect(await other.hold()).toBe(false);
  });
});

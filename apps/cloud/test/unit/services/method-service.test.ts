import { afterEach, describe, expect, it } from 'vitest';
import { VergeError } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import { eventually } from '@verge/testkit';
import { createMethodService, type MethodService } from '../../../src/services/method-service.js';
import type { DeviceGateway } from '../../../src/services/types.js';
import { expectVergeRejection } from '../../helpers/expect-error.js';
import { createTestCloud, type TestCloud } from '../../helpers/fixtures.js';

let cloud: TestCloud;
afterEach(() => cloud?.close());

interface Call {
  readonly id: ClientIdentity;
  readonly name: string;
  readonly payload: unknown;
  readonly timeoutMs: number;
}

/** A gateway that answers like a connected device (or times out / is offline), recording each call. */
function stubGateway(online: Set<string>, behaviour: 'answer' | 'timeout' = 'answer'): DeviceGateway & { calls: Call[] } {
  const calls: Call[] = [];
  const key = (id: ClientIdentity) => (id.moduleId === undefined ? id.deviceId : `${id.deviceId}/${id.moduleId}`);
  return {
    calls,
    isConnected: (id) => online.has(key(id)),
    invokeMethod: async (id, name, payload, timeoutMs) => {
      calls.push({ id, name, payload, timeoutMs });
      if (!online.has(key(id))) throw new VergeError('CLD_DEVICE_NOT_CONNECTED', 'offline');
      if (behaviour === 'timeout') throw new VergeError('CLD_METHOD_TIMEOUT', `no answer within ${timeoutMs} ms`);
      return { status: 200, payload: { echo: payload, name } };
    },
  };
}

async function setup(): Promise<TestCloud> {
  cloud = createTestCloud();
  await cloud.services.devices.putDevice('d', { deviceId: 'd' }, undefined);
  await cloud.services.modules.putModule('d', 'm', { moduleId: 'm' }, undefined);
  return cloud;
}

/** The method service over the test cloud's context (store, bus), its connect waits on the cloud's fake clock. */
function methodsOnFakeTime(c: TestCloud, gw: DeviceGateway): MethodService {
  return createMethodService(c.ctx, () => gw, c.clock);
}

/** Whether `p` has settled yet (and marks its rejection handled until the test awaits it). */
function settledFlag(p: Promise<unknown>): () => boolean {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}

/** Resolves once the service waits for the device to connect: its connect deadline is the clock's only timer source. */
async function waitingForConnection(c: TestCloud): Promise<void> {
  await eventually(() => c.clock.pendingTimers > 0, { description: 'the method service to wait for the device to connect', intervalMs: 1 });
}

describe('method service', () => {
  it('invokes on a connected device with the response timeout in ms (default 30 s)', async () => {
    const c = await setup();
    const gw = stubGateway(new Set(['d', 'd/m']));
    c.setGateway(gw);
    await expect(c.services.methods.invoke({ deviceId: 'd' }, { methodName: 'reboot', payload: { delay: 1 } })).resolves.toEqual({
      status: 200,
      payload: { echo: { delay: 1 }, name: 'reboot' },
    });
    await c.services.methods.invoke({ deviceId: 'd', moduleId: 'm' }, { methodName: 'ping', responseTimeoutInSeconds: 5 });
    expect(gw.calls).toEqual([
      { id: { deviceId: 'd' }, name: 'reboot', payload: { delay: 1 }, timeoutMs: 30_000 },
      { id: { deviceId: 'd', moduleId: 'm' }, name: 'ping', payload: null, timeoutMs: 5_000 },
    ]);
  });

  it('answers 404 for unknown identities and offline devices without calling the gateway', async () => {
    const c = await setup();
    const gw = stubGateway(new Set());
    c.setGateway(gw);
    await expectVergeRejection(c.services.methods.invoke({ deviceId: 'x' }, { methodName: 'a' }), 'CLD_DEVICE_NOT_FOUND', "device 'x' is not registered");
    await expectVergeRejection(c.services.methods.invoke({ deviceId: 'd', moduleId: 'x' }, { methodName: 'a' }), 'CLD_MODULE_NOT_FOUND', "module 'x' is not registered on device 'd'");
    await expectVergeRejection(
      c.services.methods.invoke({ deviceId: 'd' }, { methodName: 'a' }),
      'CLD_DEVICE_NOT_CONNECTED',
      "device 'd' is not connected; direct methods need an online client subscribed to methods",
    );
    expect(gw.calls).toEqual([]);
    c.setGateway(undefined);
    await expectVergeRejection(c.services.methods.invoke({ deviceId: 'd', moduleId: 'm' }, { methodName: 'a' }), 'CLD_DEVICE_NOT_CONNECTED', /^module 'd\/m' is not connected/);
  });

  it('passes the gateway timeout through (504)', async () => {
    const c = await setup();
    c.setGateway(stubGateway(new Set(['d']), 'timeout'));
    await expectVergeRejection(c.services.methods.invoke({ deviceId: 'd' }, { methodName: 'slow', responseTimeoutInSeconds: 5 }), 'CLD_METHOD_TIMEOUT', 'no answer within 5000 ms');
  });

  it('waits up to connectTimeoutInSeconds for the device to connect', async () => {
    const c = await setup();
    const online = new Set<string>();
    const methods = methodsOnFakeTime(c, stubGateway(online));
    expect(c.clock.pendingTimers).toBe(0);
    const pending = methods.invoke({ deviceId: 'd' }, { methodName: 'late', connectTimeoutInSeconds: 5 });
    const settled = settledFlag(pending);
    await waitingForConnection(c);
    await c.clock.advance(4_000);
    expect(settled()).toBe(false);
    // The device connects inside the timeout; the connection event (no time passes) wakes the waiting invocation.
    online.add('d');
    await c.services.endpoint.setConnectionState({ deviceId: 'd' }, true);
    await expect(pending).resolves.toMatchObject({ status: 200 });
    expect(c.clock.pendingTimers).toBe(0);
  });

  it('re-checks the gateway while waiting, for a device that becomes ready without a connection event', async () => {
    const c = await setup();
    const online = new Set<string>();
    const methods = methodsOnFakeTime(c, stubGateway(online));
    const pending = methods.invoke({ deviceId: 'd' }, { methodName: 'late', connectTimeoutInSeconds: 5 });
    const settled = settledFlag(pending);
    await waitingForConnection(c);
    online.add('d');
    expect(settled()).toBe(false);
    await c.clock.advance(1_000);
    expect(settled()).toBe(true);
    await expect(pending).resolves.toMatchObject({ status: 200 });
    expect(c.clock.pendingTimers).toBe(0);
  });

  it('gives up after connectTimeoutInSeconds', async () => {
    const c = await setup();
    const methods = methodsOnFakeTime(c, stubGateway(new Set()));
    const outcome = methods.invoke({ deviceId: 'd' }, { methodName: 'never', connectTimeoutInSeconds: 1 });
    const settled = settledFlag(outcome);
    await waitingForConnection(c);
    await c.clock.advance(999);
    expect(settled()).toBe(false);
    await c.clock.advance(1);
    await expectVergeRejection(
      outcome,
      'CLD_DEVICE_NOT_CONNECTED',
      "device 'd' is not connected (waited 1 s); direct methods need an online client subscribed to methods",
    );
    expect(c.clock.pendingTimers).toBe(0);
  });

  it('fails with the gateway error, not 404, when the gateway cannot tell whether the device is connected (bus down)', async () => {
    const c = await setup();
    const busDown = new VergeError('CLD_BUS_UNAVAILABLE', 'the bus (NATS) is unreachable');
    const gw: DeviceGateway = { isConnected: () => Promise.reject(busDown), invokeMethod: () => Promise.reject(new Error('unused')) };
    const methods = methodsOnFakeTime(c, gw);
    await expectVergeRejection(methods.invoke({ deviceId: 'd' }, { methodName: 'm' }), 'CLD_BUS_UNAVAILABLE', 'the bus (NATS) is unreachable');

    const waiting = methods.invoke({ deviceId: 'd' }, { methodName: 'm', connectTimeoutInSeconds: 1 });
    const settled = settledFlag(waiting);
    await waitingForConnection(c);
    await c.clock.advance(999);
    expect(settled()).toBe(false);
    await c.clock.advance(1);
    await expectVergeRejection(waiting, 'CLD_BUS_UNAVAILABLE', 'the bus (NATS) is unreachable');
    expect(c.clock.pendingTimers).toBe(0);
  });
});

describe('device endpoint services: connection state', () => {
  it('records Connected/Disconnected on the device and module and announces it', async () => {
    const c = await setup();
    const events: string[] = [];
    c.bus.subscribe('connectionChanged', (e) => events.push(`${e.id.moduleId ?? e.id.deviceId}:${e.connected}`));
    await c.services.endpoint.setConnectionState({ deviceId: 'd' }, true);
    await c.clock.advance(1000);
    await c.services.endpoint.setConnectionState({ deviceId: 'd', moduleId: 'm' }, true);
    expect(await c.services.devices.getDevice('d')).toMatchObject({ connectionState: 'Connected', connectionStateUpdatedTime: '2030-01-01T00:00:00.000Z' });
    expect(await c.services.modules.getModule('d', 'm')).toMatchObject({ connectionState: 'Connected', connectionStateUpdatedTime: '2030-01-01T00:00:01.000Z' });
    expect((await c.services.twins.getTwin({ deviceId: 'd', moduleId: 'm' })).connectionState).toBe('Connected');
    await c.services.endpoint.setConnectionState({ deviceId: 'd' }, false);
    expect((await c.services.devices.getDevice('d')).connectionState).toBe('Disconnected');
    expect(events).toEqual(['d:true', 'm:true', 'd:false']);
  });

  it('returns no auth record for unknown identities', async () => {
    const c = await setup();
    expect(await c.services.endpoint.getAuthRecord({ deviceId: 'x' })).toBeUndefined();
    expect(await c.services.endpoint.getAuthRecord({ deviceId: 'd', moduleId: 'x' })).toBeUndefined();
  });
});

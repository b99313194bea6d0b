import { VergeError, type Clock, type MethodInvocation } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type { ServiceContext } from './context.js';
import { requireDevice, requireModule } from './identity-checks.js';
import { describeIdentity } from './twin-records.js';
import type { DeviceGateway, MethodResult } from './types.js';

/** IoT Hub's default response timeout for direct methods. */
export const DEFAULT_METHOD_RESPONSE_TIMEOUT_SEC = 30;

// While waiting for a device to connect, how often to re-check the gateway (it may become ready, e.g. subscribed
// to the method topic, without a connection event).
const CONNECT_POLL_MS = 250;

/** Direct methods (IoT Hub `POST /twins/{id}[/modules/{mid}]/methods`). */
export interface MethodService {
  /**
   * Invokes a method and resolves with the device's `{ status, payload }`. Rejects with CLD_DEVICE_NOT_FOUND /
   * CLD_MODULE_NOT_FOUND (not registered), CLD_DEVICE_NOT_CONNECTED (offline after `connectTimeoutInSeconds`),
   * CLD_METHOD_TIMEOUT (no answer within `responseTimeoutInSeconds`), CLD_BUS_UNAVAILABLE (the client is not here
   * and the bus to the other instances is down: whether it is online is unknown).
   */
  invoke(id: ClientIdentity, invocation: MethodInvocation): Promise<MethodResult>;
}

/**
 * Builds the method service; `gateway` returns the device endpoint once it runs. `timers` bounds the wait for a
 * device to connect (`connectTimeoutInSeconds`) and paces its re-checks: the cloud's clock, a fake one in tests.
 */
export function createMethodService(ctx: ServiceContext, gateway: () => DeviceGateway | undefined, timers: Pick<Clock, 'setTimer'>): MethodService {
  const { store, bus } = ctx;

  const connected = async (id: ClientIdentity): Promise<boolean> => (await gateway()?.isConnected(id)) === true;

  const waitForConnection = async (id: ClientIdentity, timeoutMs: number): Promise<boolean> => {
    // A gateway that cannot tell (the bus to the other instances is down) rejects: at once without a connect
    // timeout, else the wait goes on and the check at its deadline decides.
    const now = await connected(id).catch((err: unknown) => {
      if (timeoutMs <= 0) throw err;
      return false;
    });
    if (now || timeoutMs <= 0) return now;
    return new Promise<boolean>((resolve, reject) => {
      let done = false;
      let cancelPoll = (): void => undefined;
      const settle = (outcome: () => void): void => {
        if (done) return;
        done = true;
        cancelDeadline();
        cancelPoll();
        unsubscribe();
        outcome();
      };
      const finish = (ok: boolean): void => settle(() => resolve(ok));
      const check = (): void => {
        connected(id).then((ok) => ok && finish(true), () => undefined);
      };
      const poll = (): void => {
        cancelPoll = timers.setTimer(() => {
          check();
          if (!done) poll();
        }, CONNECT_POLL_MS);
      };
      const cancelDeadline = timers.setTimer(() => void connected(id).then(finish, (err: unknown) => settle(() => reject(err as Error))), timeoutMs);
      poll();
      const unsubscribe = bus.subscribe('connectionChanged', (e) => {
        if (e.connected && e.id.deviceId === id.deviceId && e.id.moduleId === id.moduleId) check();
      });
    });
  };

  return {
    async invoke(id, invocation) {
      if (id.moduleId === undefined) await requireDevice(store, id.deviceId);
      else await requireModule(store, id.deviceId, id.moduleId);
      const connectTimeoutSec = invocation.connectTimeoutInSeconds ?? 0;
      const responseTimeoutSec = invocation.responseTimeoutInSeconds ?? DEFAULT_METHOD_RESPONSE_TIMEOUT_SEC;
      const gw = gateway();
      if (!(await waitForConnection(id, connectTimeoutSec * 1000)) || gw === undefined) {
        throw new VergeError(
          'CLD_DEVICE_NOT_CONNECTED',
          `${describeIdentity(id)} is not connected${connectTimeoutSec > 0 ? ` (waited ${connectTimeoutSec} s)` : ''}; direct methods need an online client subscribed to methods`,
          { details: { deviceId: id.deviceId, ...(id.moduleId === undefined ? {} : { moduleId: id.moduleId }) } },
        );
      }
      return (gateway() ?? gw).invokeMethod(id, invocation.methodName, invocation.payload ?? null, responseTimeoutSec * 1000);
    },
  };
}

import { VergeError } from '@verge/contracts';
import { clientIdOf, describeIdentity as describe, isSubscribed, type SessionRegistry } from '@verge/iothub-mqtt';
import type { ClientIdentity } from '@verge/core';
import type { DeviceGateway, MethodResult } from '../services/types.js';
import type { MethodInvoker } from './method-invoker.js';

/**
 * The REST API's view of the endpoint. A method can only be invoked on a connected identity whose session is
 * subscribed to `$iothub/methods/POST/#` (IoT Hub answers 404 otherwise: the device could never see the request).
 */
export function createGateway(sessions: SessionRegistry, methods: MethodInvoker): DeviceGateway {
  const connectionOf = (id: ClientIdentity) => {
    const conn = sessions.get(clientIdOf(id))?.connection;
    return conn !== undefined && conn.state === 'connected' && !conn.closing ? conn : undefined;
  };
  return {
    isConnected(id: ClientIdentity): boolean {
      return connectionOf(id) !== undefined;
    },
    async invokeMethod(id: ClientIdentity, methodName: string, payload: unknown, timeoutMs: number): Promise<MethodResult> {
      const session = sessions.get(clientIdOf(id));
      if (session === undefined || connectionOf(id) === undefined) {
        throw new VergeError('CLD_DEVICE_NOT_CONNECTED', `${describe(id)} is not connected`, { details: { methodName } });
      }
      if (!isSubscribed(session, 'methodRequests')) {
        throw new VergeError(
          'CLD_DEVICE_NOT_CONNECTED',
          `${describe(id)} is connected but not subscribed to direct methods ('$iothub/methods/POST/#')`,
          { details: { methodName } },
        );
      }
      return methods.invoke(id, methodName, payload, timeoutMs, (topic, body) => {
        const conn = connectionOf(id);
        return conn !== undefined && conn.send({ cmd: 'publish', topic, payload: body, qos: 0, dup: false, retain: false });
      });
    },
  };
}

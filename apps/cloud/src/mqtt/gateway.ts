import { VergeError } from '@verge/contracts';
import type { DeviceGateway, IdentityRef, MethodResult } from '../services/types.js';
import { describe } from './authenticate.js';
import { clientIdOf } from './connect-credentials.js';
import type { MethodInvoker } from './method-invoker.js';
import { isSubscribed } from './session-registry.js';
import type { SessionRegistry } from './session-registry.js';

/**
 * The REST API's view of the endpoint. A method can only be invoked on a connected identity whose session is
 * subscribed to `$iothub/methods/POST/#` (IoT Hub answers 404 otherwise: the device could never see the request).
 */
export function createGateway(sessions: SessionRegistry, methods: MethodInvoker): DeviceGateway {
  const connectionOf = (id: IdentityRef) => {
    const conn = sessions.get(clientIdOf(id))?.connection;
    return conn !== undefined && conn.state === 'connected' && !conn.closing ? conn : undefined;
  };
  return {
    isConnected(id: IdentityRef): boolean {
      return connectionOf(id) !== undefined;
    },
    async invokeMethod(id: IdentityRef, methodName: string, payload: unknown, timeoutMs: number): Promise<MethodResult> {
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

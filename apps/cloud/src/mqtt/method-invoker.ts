import { VergeError } from '@verge/contracts';
import { MethodInvoker as SharedMethodInvoker, describeIdentity } from '@verge/iothub-mqtt';

/**
 * Direct methods over MQTT (shared transport's `MethodInvoker`) with the cloud's errors: CLD_METHOD_TIMEOUT (504)
 * when the device does not answer in time, CLD_DEVICE_NOT_CONNECTED (404) when the request cannot be sent or the
 * endpoint shuts down.
 */
export class MethodInvoker extends SharedMethodInvoker {
  constructor() {
    super({
      timeout: (id, methodName, timeoutMs) =>
        new VergeError('CLD_METHOD_TIMEOUT', `${describeIdentity(id)} did not answer method '${methodName}' within ${timeoutMs} ms`, {
          details: { methodName, timeoutMs },
        }),
      notSent: (id, methodName) => new VergeError('CLD_DEVICE_NOT_CONNECTED', `${describeIdentity(id)} disconnected before method '${methodName}' could be sent`),
      cancelled: (_id, _methodName, reason) => new VergeError('CLD_DEVICE_NOT_CONNECTED', reason),
    });
  }
}

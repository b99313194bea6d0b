import { isVergeError, VergeError } from '@verge/contracts';
import type { MethodRequest, MethodResponse } from '@verge/device-client';
import { clientIdOf, describeIdentity, isSubscribed, MethodInvoker, type SessionRegistry } from '@verge/iothub-mqtt';
import { type Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import type { KeyedCounts } from '../keyed-counts.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';

/** Options of {@link MethodBridge}. */
export interface MethodBridgeOptions {
  readonly pool: UpstreamPool;
  readonly sessions: SessionRegistry;
  /** How long the hub waits for the local client's answer (the cloud's own timeout usually ends the call first). */
  readonly timeoutMs: number;
  readonly log: Logger;
  /** Counts each invocation per target and caller (`edgehub_direct_methods_total{from,to}`). */
  readonly counts?: KeyedCounts;
}

/**
 * Direct methods from the cloud to a module or leaf connected to the hub (reference azure-iot-edge.md §5.3, §11.3):
 * the request arrives on the client's upstream link, goes down on `$iothub/methods/POST/{name}/?$rid=…`, and the
 * client's `$iothub/methods/res/{status}` answer goes back up. Not connected or not subscribed: status 404 (iotedge
 * answers 404 for an offline target); no answer in time: status 504.
 */
export class MethodBridge {
  private readonly invoker = new MethodInvoker({
    timeout: (id, name, ms) => new VergeError('HUB_METHOD_TIMEOUT', `${describeIdentity(id)} did not answer method '${name}' within ${ms} ms`),
    notSent: (id, name) => notConnected(id, name),
    cancelled: (_id, _name, reason) => new VergeError('HUB_CLIENT_NOT_CONNECTED', reason),
  });

  constructor(private readonly o: MethodBridgeOptions) {}

  /** The client subscribed to methods (or connected with such a session): take its methods from upstream. */
  watch(id: ClientIdentity): void {
    this.o.pool.acquire(id)?.setMethodHandler((req) => this.invoke(id, req));
  }

  /** A method response the client published; false when nothing waited for it. */
  complete(id: ClientIdentity, rid: string, status: number, payload: Uint8Array): boolean {
    return this.invoker.complete(id, rid, status, payload);
  }

  /** Fails every waiting invocation (hub shutdown). */
  cancelAll(reason: string): void {
    this.invoker.cancelAll(reason);
  }

  /**
   * Invokes a method on a module or leaf connected to this hub (the cloud's calls, and module-to-module calls of the
   * HTTPS endpoint). Rejects with HUB_CLIENT_NOT_CONNECTED (not connected or not subscribed to methods) or
   * HUB_METHOD_TIMEOUT (no answer within `timeoutMs`).
   */
  invokeLocal(id: ClientIdentity, methodName: string, payload: unknown, timeoutMs: number, from?: ClientIdentity): Promise<MethodResponse> {
    this.o.counts?.add(id.deviceId, id.moduleId, from === undefined ? 'upstream' : clientIdOf(from));
    const session = this.o.sessions.get(clientIdOf(id));
    const conn = session?.connection;
    if (session === undefined || conn === undefined || !conn.isOpen || !isSubscribed(session, 'methodRequests')) {
      return Promise.reject(notConnected(id, methodName));
    }
    return this.invoker.invoke(id, methodName, payload, timeoutMs, (topic, body) => conn.publish0(topic, body));
  }

  /** True while `id` is connected and subscribed to direct methods. */
  isReachable(id: ClientIdentity): boolean {
    const session = this.o.sessions.get(clientIdOf(id));
    const conn = session?.connection;
    return session !== undefined && conn !== undefined && conn.isOpen && isSubscribed(session, 'methodRequests');
  }

  private async invoke(id: ClientIdentity, req: MethodRequest): Promise<MethodResponse> {
    try {
      const answer = await this.invokeLocal(id, req.methodName, req.payload, this.o.timeoutMs);
      return { status: answer.status, payload: answer.payload };
    } catch (e) {
      if (isVergeError(e)) return failure(e);
      this.o.log.error({ err: e, client: clientIdOf(id), method: req.methodName }, 'forwarding a direct method failed');
      return { status: 500, payload: { message: 'the edge hub could not forward the method; see its log' } };
    }
  }
}

function notConnected(id: ClientIdentity, methodName: string): VergeError {
  return new VergeError('HUB_CLIENT_NOT_CONNECTED', `${describeIdentity(id)} is not connected to the edge hub (or not subscribed to direct methods); method '${methodName}' not delivered`);
}

function failure(e: VergeError): MethodResponse {
  return { status: e.status, payload: { errorCode: e.code, message: e.message } };
}

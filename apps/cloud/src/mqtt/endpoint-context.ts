import type { Logger } from '@verge/platform';
import type { DeviceEndpointServices } from '../services/types.js';
import type { C2dDispatcher } from './c2d-dispatcher.js';
import type { Connection } from './connection.js';
import type { DeviceEndpointLimits } from './limits.js';
import type { MethodInvoker } from './method-invoker.js';
import type { SessionRegistry } from './session-registry.js';

/** What the packet handlers share; built once by `createDeviceEndpoint`. */
export interface EndpointContext {
  readonly services: DeviceEndpointServices;
  readonly log: Logger;
  readonly limits: DeviceEndpointLimits;
  readonly nowMs: () => number;
  /** Host names accepted in user names and SAS audiences: the hub host name, and with the listening port. */
  readonly hostNames: () => readonly string[];
  readonly sessions: SessionRegistry;
  readonly methods: MethodInvoker;
  readonly c2d: C2dDispatcher;
  /** Number of connected (post-CONNACK) clients. */
  readonly connectedCount: () => number;
}

/** Runs `fn`; a failure of the services (a bug or a full disk) closes only this client and is logged. */
export function guarded(ctx: EndpointContext, conn: Connection, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    ctx.log.error({ err, client: conn.label, what }, 'device endpoint: handler failed; closing the client');
    conn.close(`${what} failed`);
  }
}

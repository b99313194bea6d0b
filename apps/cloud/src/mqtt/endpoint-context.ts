import type { Logger, SessionRegistry } from '@verge/platform';
import type { DeviceEndpointServices } from '../services/types.js';
import type { C2dDispatcher } from './c2d-dispatcher.js';
import type { DeviceEndpointLimits } from './limits.js';
import type { MethodInvoker } from './method-invoker.js';

/** What the cloud's MQTT handler shares; built once by `createDeviceEndpoint`. */
export interface EndpointContext {
  readonly services: DeviceEndpointServices;
  readonly log: Logger;
  readonly limits: DeviceEndpointLimits;
  readonly nowMs: () => number;
  /** Host names accepted in user names and SAS audiences: the hub host name, and with the listening port. */
  readonly hostNames: () => readonly string[];
  /** The shared transport's sessions. */
  readonly sessions: SessionRegistry;
  readonly methods: MethodInvoker;
  readonly c2d: C2dDispatcher;
}

import type { Logger } from '@verge/platform';
import type { HubParts } from '../hub-assembly.js';
import type { EdgeHubDeps, EdgeHubOptions } from '../hub-options.js';
import { HubHttpsListener } from './hub-https-listener.js';

/**
 * The hub's HTTPS listener wired to its parts: callers authenticate with the hub's CONNECT rules, methods go
 * through the hub's method bridge to connected modules and leaves, WebSockets into its MQTT server.
 */
export function createHubHttps(parts: HubParts, deps: EdgeHubDeps, o: EdgeHubOptions & { httpsPort: number }, log: Logger, nowMs: () => number): HubHttpsListener {
  const edgeDeviceId = deps.device.deviceId;
  return new HubHttpsListener({
    host: o.listenHost,
    port: o.httpsPort,
    tls: parts.tls,
    log: log.child({ component: 'hub-https' }),
    methods: {
      caller: {
        edgeDeviceId,
        iotHubHostName: deps.device.iotHubHostName,
        authenticate: parts.authenticate,
        isLeaf: (deviceId) => parts.scope.get(deviceId) !== undefined,
      },
      methods: parts.methods,
      log: log.child({ component: 'hub-methods' }),
      nowMs,
    },
    // The same MQTT server as the TLS listener: same admission limits, sessions and surface.
    mqtt: (stream, meta) => parts.server.handle(stream, meta),
    limits: parts.server.limits,
  });
}

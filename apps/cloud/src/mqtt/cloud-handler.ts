import type { IotHubMqttHandler } from '@verge/platform';
import { authenticate } from './authenticate.js';
import type { EndpointContext } from './endpoint-context.js';
import { handlePublish } from './publish-handler.js';

/**
 * The cloud's side of the shared IoT Hub MQTT transport: authentication against the registry, connection state in
 * the registry, C2D delivery when a device connects or subscribes, C2D completion on PUBACK, and publishes.
 */
export function createCloudHandler(ctx: EndpointContext): IotHubMqttHandler {
  return {
    authenticate: (credentials, nowMs) => authenticate(credentials, { services: ctx.services, hostNames: ctx.hostNames(), nowMs }),
    connected(session) {
      ctx.services.setConnectionState(session.identity, true);
      ctx.c2d.deliver(session);
    },
    disconnected(session) {
      ctx.services.setConnectionState(session.identity, false);
    },
    publish: (p) => handlePublish(ctx, p),
    subscribed(session) {
      ctx.c2d.deliver(session);
    },
    puback(conn, _packetId, tag) {
      ctx.c2d.acked(conn, tag);
    },
  };
}

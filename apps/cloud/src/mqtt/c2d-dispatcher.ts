import { topics } from '@verge/contracts';
import { isSubscribed, type MqttConnection, type MqttSession } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import type { C2dMessage, DeviceEndpointServices } from '../services/types.js';
import type { DeviceEndpointLimits } from './limits.js';

/**
 * Cloud-to-device delivery (reference §5). The queue lives in the services' store, so messages survive
 * disconnects and cloud restarts; this class only moves them. A message is published with QoS 1 when its device
 * is connected and subscribed, at most `maxInflightC2d` at a time, and completed in the store when the device
 * PUBACKs it. What was in flight on a connection that ends is delivered again on the next one (at least once).
 * Expired messages are never delivered.
 */
export class C2dDispatcher {
  constructor(
    private readonly services: DeviceEndpointServices,
    private readonly limits: DeviceEndpointLimits,
    private readonly nowMs: () => number,
    private readonly log: Logger,
  ) {}

  /** Publishes what the session's device may receive now. */
  deliver(session: MqttSession): void {
    const conn = session.connection;
    if (conn === undefined || conn.state !== 'connected' || conn.closing) return;
    if (session.identity.moduleId !== undefined || !isSubscribed(session, 'c2d')) return;
    if (conn.inflight.size >= this.limits.maxInflightC2d) return;
    const deviceId = session.identity.deviceId;
    const inFlight = new Set(conn.inflight.values());
    const now = this.nowMs();
    for (const message of this.services.pendingC2d(deviceId)) {
      if (conn.inflight.size >= this.limits.maxInflightC2d) break;
      if (inFlight.has(message.id) || message.expiresAtMs <= now) continue;
      const topic = this.topicOf(message);
      if (topic === undefined) continue;
      if (conn.publish1(topic, Buffer.from(message.message.body), message.id) === undefined) return;
    }
  }

  /** The device acknowledged the publish of C2D message `id` (the transport matched the packet id): completes it and sends the next ones. */
  acked(conn: MqttConnection, id: string): void {
    const session = conn.session;
    if (session === undefined) return;
    this.services.completeC2d(session.identity.deviceId, id);
    this.deliver(session);
  }

  private topicOf(message: C2dMessage): string | undefined {
    const system: Record<string, string> = {
      to: `/devices/${message.deviceId}/messages/deviceBound`,
      'absolute-expiry-time': new Date(message.expiresAtMs).toISOString(),
      ...message.message.systemProperties,
    };
    try {
      return topics.c2d(message.deviceId, { systemProperties: system, properties: message.message.properties });
    } catch (err) {
      // Cannot happen for messages the REST API accepted; a poison message must not block the queue forever.
      this.log.warn({ err, deviceId: message.deviceId, c2dId: message.id }, 'cloud-to-device message cannot be encoded; dropped');
      this.services.completeC2d(message.deviceId, message.id);
      return undefined;
    }
  }
}

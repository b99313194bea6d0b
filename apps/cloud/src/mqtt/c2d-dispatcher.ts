import { topics } from '@verge/contracts';
import { grantedQos, isSubscribed, type MqttConnection, type MqttSession } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import type { C2dMessage, DeviceEndpointServices } from '../services/types.js';
import type { DeviceEndpointLimits } from './limits.js';

/**
 * Cloud-to-device delivery (reference §5). The queue lives in the services' store, so messages survive
 * disconnects and cloud restarts; this class only moves them. A message is published with QoS 1 when its device
 * is connected and subscribed, at most `maxInflightC2d` at a time, and completed in the store when the device
 * PUBACKs it. What was in flight on a connection that ends is delivered again on the next one (at least once).
 * Expired messages are never delivered. A device that subscribed with QoS 0 gets its messages with QoS 0 (a server
 * never sends above the granted QoS, MQTT-3.8.4-6), each completed as it is written: at most once, as IoT Hub's MQTT
 * gateway does. The store answers asynchronously, so the work of one session (reading
 * the queue, completing a message) runs in order on a per-session chain: a completion is committed before the next
 * read of the queue, and a message is never published twice on one connection.
 */
export class C2dDispatcher {
  private readonly chains = new WeakMap<MqttSession, Promise<void>>();
  // Acknowledged but not yet completed in the store: no longer in flight, still pending there; never resent.
  private readonly completing = new WeakMap<MqttSession, Set<string>>();

  constructor(
    private readonly services: DeviceEndpointServices,
    private readonly limits: DeviceEndpointLimits,
    private readonly nowMs: () => number,
    private readonly log: Logger,
  ) {}

  /** Publishes what the session's device may receive now. */
  deliver(session: MqttSession): void {
    if (!this.mayDeliver(session)) return;
    this.inTurn(session, () => this.deliverNow(session));
  }

  /** The device acknowledged the publish of C2D message `id` (the transport matched the packet id): completes it and sends the next ones. */
  acked(conn: MqttConnection, id: string): void {
    const session = conn.session;
    if (session === undefined) return;
    const completing = this.completing.get(session) ?? new Set<string>();
    this.completing.set(session, completing.add(id));
    this.inTurn(session, async () => {
      try {
        await this.services.completeC2d(session.identity.deviceId, id);
      } finally {
        completing.delete(id);
      }
      await this.deliverNow(session);
    });
  }

  private mayDeliver(session: MqttSession): boolean {
    const conn = session.connection;
    if (conn === undefined || conn.state !== 'connected' || conn.closing) return false;
    if (session.identity.moduleId !== undefined || !isSubscribed(session, 'c2d')) return false;
    return conn.inflight.size < this.limits.maxInflightC2d;
  }

  private async deliverNow(session: MqttSession): Promise<void> {
    if (!this.mayDeliver(session)) return;
    const pending = await this.services.pendingC2d(session.identity.deviceId);
    // Checked again after the read: the connection may have ended or filled meanwhile.
    const conn = session.connection;
    if (conn === undefined || !this.mayDeliver(session)) return;
    const inFlight = new Set([...conn.inflight.values(), ...(this.completing.get(session) ?? [])]);
    const now = this.nowMs();
    const atMostOnce = grantedQos(session, 'c2d') === 0;
    for (const message of pending) {
      if (conn.inflight.size >= this.limits.maxInflightC2d) break;
      if (inFlight.has(message.id) || message.expiresAtMs <= now) continue;
      const topic = await this.topicOf(message);
      if (topic === undefined) continue;
      const body = Buffer.from(message.message.body);
      if (atMostOnce) {
        if (!conn.publish0(topic, body)) return;
        await this.services.completeC2d(message.deviceId, message.id);
      } else if (conn.publish1(topic, body, message.id) === undefined) return;
    }
  }

  private inTurn(session: MqttSession, work: () => Promise<void>): void {
    const next = (this.chains.get(session) ?? Promise.resolve()).then(work).catch((err: unknown) => {
      this.log.error({ err, client: session.clientId }, 'cloud-to-device delivery failed; retried on the next delivery event');
    });
    this.chains.set(session, next);
  }

  private async topicOf(message: C2dMessage): Promise<string | undefined> {
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
      await this.services.completeC2d(message.deviceId, message.id);
      return undefined;
    }
  }
}

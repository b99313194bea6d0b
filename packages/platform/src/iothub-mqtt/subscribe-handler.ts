import { authorizeSubscribe } from '@verge/core';
import type { ISubscribePacket, IUnsubscribePacket } from 'mqtt-packet';
import type { Connection } from './connection.js';
import type { ServerContext } from './server-context.js';
import type { SessionSubscription } from './session-registry.js';

/** SUBACK return code of a refused filter (MQTT 3.1.1 §3.9.3). */
const SUBACK_FAILURE = 0x80;

/**
 * SUBSCRIBE: each filter must be one of the IoT Hub surface and the client's own (`authorizeSubscribe`); a refused
 * filter gets 0x80 in SUBACK and the connection stays open (the SDK does not check SUBACK codes,
 * azure-sdk-protocol.md §3). Granted QoS is at most 1 (IoT Hub has no QoS 2). The handler hears of the grants
 * after the SUBACK is written (it may start deliveries at once).
 */
export function handleSubscribe(ctx: ServerContext, conn: Connection, packet: ISubscribePacket): void {
  const session = conn.session;
  const identity = conn.identity;
  if (session === undefined || identity === undefined) return;
  const accepted: SessionSubscription[] = [];
  const granted = packet.subscriptions.map(({ topic, qos }) => {
    const auth = authorizeSubscribe(identity, topic);
    if (!auth.ok) {
      ctx.log.info({ client: session.clientId, filter: topic, reason: auth.message }, 'subscription refused');
      return SUBACK_FAILURE;
    }
    if (!session.subscriptions.has(topic) && session.subscriptions.size >= ctx.limits.maxSubscriptionsPerSession) {
      ctx.log.info({ client: session.clientId, filter: topic }, 'subscription refused: too many subscriptions');
      return SUBACK_FAILURE;
    }
    const grantedQos: 0 | 1 = qos === 0 ? 0 : 1;
    const sub = { filter: topic, parsed: auth.value, qos: grantedQos };
    ctx.sessions.subscribe(session, sub);
    accepted.push(sub);
    return grantedQos;
  });
  conn.send({ cmd: 'suback', messageId: packet.messageId ?? 0, granted });
  if (accepted.length > 0) ctx.handler.subscribed?.(session, accepted);
}

/** UNSUBSCRIBE: removes the filters (unknown ones are fine, MQTT-3.10.4-5) and answers UNSUBACK. */
export function handleUnsubscribe(ctx: ServerContext, conn: Connection, packet: IUnsubscribePacket): void {
  const session = conn.session;
  if (session === undefined) return;
  for (const filter of packet.unsubscriptions) ctx.sessions.unsubscribe(session, filter);
  conn.send({ cmd: 'unsuback', messageId: packet.messageId ?? 0, granted: [] }); // granted: MQTT 5 only
}

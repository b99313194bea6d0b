import { authorizeSubscribe } from '@verge/core';
import type { ISubscribePacket, IUnsubscribePacket } from 'mqtt-packet';
import type { Connection } from './connection.js';
import type { ServerContext } from './server-context.js';
import type { SessionSubscription } from './session-registry.js';

/** SUBACK return code of a refused filter (MQTT 3.1.1 §3.9.3). */
const SUBACK_FAILURE = 0x80;

/** Refused filters named in the one log line of a SUBSCRIBE (the count covers the rest). */
const LOGGED_REFUSALS = 3;

/**
 * SUBSCRIBE: each filter must be one of the IoT Hub surface and the client's own (`authorizeSubscribe`), and the
 * session may hold at most `maxSubscriptionsPerSession`; a refused filter gets 0x80 in SUBACK and the connection
 * stays open (the SDK does not check SUBACK codes, azure-sdk-protocol.md §3). A packet with more than
 * `maxFiltersPerPacket` filters closes the connection (the SDK sends one per packet). Refusals are logged as one line
 * per packet, never one per filter. Granted QoS is at most 1 (IoT Hub has no QoS 2). The handler hears of the
 * grants after the SUBACK is written (it may start deliveries at once).
 */
export function handleSubscribe(ctx: ServerContext, conn: Connection, packet: ISubscribePacket): void {
  const session = conn.session;
  const identity = conn.identity;
  if (session === undefined || identity === undefined) return;
  if (tooManyFilters(ctx, conn, 'SUBSCRIBE', packet.subscriptions.length)) return;
  const accepted: SessionSubscription[] = [];
  const refused: { filter: string; reason: string }[] = [];
  const granted = packet.subscriptions.map(({ topic, qos }) => {
    const auth = authorizeSubscribe(identity, topic);
    if (!auth.ok) {
      refused.push({ filter: topic, reason: auth.message });
      return SUBACK_FAILURE;
    }
    if (!session.subscriptions.has(topic) && session.subscriptions.size >= ctx.limits.maxSubscriptionsPerSession) {
      refused.push({ filter: topic, reason: `the session holds its maximum of ${ctx.limits.maxSubscriptionsPerSession} subscriptions` });
      return SUBACK_FAILURE;
    }
    const grantedQos: 0 | 1 = qos === 0 ? 0 : 1;
    const sub = { filter: topic, parsed: auth.value, qos: grantedQos };
    ctx.sessions.subscribe(session, sub);
    accepted.push(sub);
    return grantedQos;
  });
  conn.send({ cmd: 'suback', messageId: packet.messageId ?? 0, granted });
  if (refused.length > 0) {
    const first = refused.slice(0, LOGGED_REFUSALS).map((r) => ({ filter: r.filter.slice(0, 256), reason: r.reason }));
    ctx.log.info({ client: session.clientId, refused: refused.length, granted: accepted.length, first }, 'subscriptions refused');
  }
  if (accepted.length > 0) ctx.handler.subscribed?.(session, accepted);
}

function tooManyFilters(ctx: ServerContext, conn: Connection, what: string, count: number): boolean {
  if (count <= ctx.limits.maxFiltersPerPacket) return false;
  ctx.log.info({ client: conn.label, filters: count, limit: ctx.limits.maxFiltersPerPacket }, `${what} with too many filters; closing the client`);
  conn.close(`${what} of ${count} filters exceeds the limit of ${ctx.limits.maxFiltersPerPacket} per packet`);
  return true;
}

/** UNSUBSCRIBE: removes the filters (unknown ones are fine, MQTT-3.10.4-5) and answers UNSUBACK. */
export function handleUnsubscribe(ctx: ServerContext, conn: Connection, packet: IUnsubscribePacket): void {
  const session = conn.session;
  if (session === undefined) return;
  if (tooManyFilters(ctx, conn, 'UNSUBSCRIBE', packet.unsubscriptions.length)) return;
  for (const filter of packet.unsubscriptions) ctx.sessions.unsubscribe(session, filter);
  conn.send({ cmd: 'unsuback', messageId: packet.messageId ?? 0, granted: [] }); // granted: MQTT 5 only
}

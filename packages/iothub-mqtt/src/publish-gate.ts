import type { IPublishPacket } from 'mqtt-packet';
import type { Connection } from './connection.js';
import type { ServerContext } from './server-context.js';

/**
 * PUBLISH from a client (azure-sdk-protocol.md §4). MQTT 3.1.1 cannot refuse a single publish, so, as IoT Hub
 * does, a publish that cannot be accepted (QoS 2, a topic that is malformed or not the client's own, a telemetry
 * body over `maxTelemetryBytes`) closes the connection without PUBACK: the client learns at once and nothing is
 * half-accepted. Accepted publishes go to the handler, which acknowledges them.
 */
export function handlePublish(ctx: ServerContext, conn: Connection, packet: IPublishPacket): void {
  const identity = conn.identity;
  const session = conn.session;
  if (identity === undefined || session === undefined) return;
  if (packet.qos === 2) {
    conn.close('QoS 2 publishes are not supported (IoT Hub surface)');
    return;
  }
  const auth = conn.publishTopics.authorize(identity, packet.topic);
  if (!auth.ok) {
    ctx.log.info({ client: conn.label, topic: packet.topic.slice(0, 256), reason: auth.message }, 'publish refused; closing the client');
    conn.close(`publish refused: ${auth.message}`);
    return;
  }
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload, 'utf8') : packet.payload;
  if (auth.value.kind === 'telemetry' && payload.length > ctx.limits.maxTelemetryBytes) {
    ctx.log.info({ client: conn.label, bytes: payload.length, limit: ctx.limits.maxTelemetryBytes }, 'telemetry message too large; closing the client');
    conn.close(`telemetry message of ${payload.length} bytes exceeds the ${ctx.limits.maxTelemetryBytes}-byte limit`);
    return;
  }
  ctx.handler.publish({ conn, session, identity, topic: auth.value, payload, qos: packet.qos, messageId: packet.messageId ?? 0, retain: packet.retain });
}

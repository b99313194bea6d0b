import type { Connection } from './connection.js';
import { handleConnect } from './connect-handler.js';
import type { Packet } from './packet-codec.js';
import { handlePublish } from './publish-gate.js';
import { guarded, handlerFailed, type ServerContext } from './server-context.js';
import { handleSubscribe, handleUnsubscribe } from './subscribe-handler.js';

/**
 * Routes one decoded packet by connection state and type (aedes-style: one handler per packet type). The first
 * packet must be CONNECT (MQTT-3.1.0-1) and a second CONNECT is a violation (MQTT-3.1.0-2); packets a server never
 * receives, or that belong to QoS 2, close the connection.
 */
export function dispatchPacket(ctx: ServerContext, conn: Connection, packet: Packet): void {
  conn.lastPacketMs = ctx.nowMs();
  if (conn.state !== 'connected') {
    if (packet.cmd === 'connect') guarded(ctx, conn, 'CONNECT', () => handleConnect(ctx, conn, packet));
    else conn.close(`first packet is ${packet.cmd}, not CONNECT (MQTT-3.1.0-1)`);
    return;
  }
  // PUBLISH and PUBACK, one each per message, are handled without a closure per packet (issue 8).
  switch (packet.cmd) {
    case 'publish':
      try {
        handlePublish(ctx, conn, packet);
      } catch (err) {
        handlerFailed(ctx, conn, 'PUBLISH', err);
      }
      return;
    case 'puback':
      try {
        onPuback(ctx, conn, packet.messageId ?? 0);
      } catch (err) {
        handlerFailed(ctx, conn, 'PUBACK', err);
      }
      return;
    case 'subscribe':
      guarded(ctx, conn, 'SUBSCRIBE', () => handleSubscribe(ctx, conn, packet));
      return;
    case 'unsubscribe':
      guarded(ctx, conn, 'UNSUBSCRIBE', () => handleUnsubscribe(ctx, conn, packet));
      return;
    case 'pingreq':
      conn.send({ cmd: 'pingresp' });
      return;
    case 'disconnect':
      conn.will = undefined; // a DISCONNECT discards the will (MQTT-3.14.4-3)
      conn.close('client sent DISCONNECT', true);
      return;
    case 'connect':
      conn.close('second CONNECT on one connection (MQTT-3.1.0-2)');
      return;
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
    case 'connack':
    case 'suback':
    case 'unsuback':
    case 'pingresp':
    case 'auth':
      conn.close(`unexpected ${packet.cmd} packet from a client`);
      return;
    default: {
      const never: never = packet;
      conn.close(`unknown packet ${JSON.stringify(never)}`);
    }
  }
}

function onPuback(ctx: ServerContext, conn: Connection, packetId: number): void {
  const tag = conn.inflight.get(packetId);
  if (tag === undefined) return; // a PUBACK for nothing we sent: ignore (MQTT allows no error reply)
  conn.inflight.delete(packetId);
  ctx.handler.puback?.(conn, packetId, tag);
}

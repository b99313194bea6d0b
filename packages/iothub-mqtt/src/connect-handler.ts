import type { IConnectPacket } from 'mqtt-packet';
import { ConnackCode, type ConnectCredentials } from './authenticate.js';
import type { Connection } from './connection.js';
import type { ServerContext } from './server-context.js';

/**
 * Handles CONNECT (azure-sdk-protocol.md §2): MQTT 3.1.1 only, authentication (the handler's), the connection
 * limit, then session take-over: a second connection with the same client id closes the first (MQTT-3.1.4-2), and
 * the session (clean=false) carries over with its subscriptions. Refusals answer CONNACK with the code and close.
 */
export function handleConnect(ctx: ServerContext, conn: Connection, packet: IConnectPacket): void {
  if (packet.protocolVersion !== 4) {
    refuse(ctx, conn, ConnackCode.unacceptableProtocol, `protocol level ${String(packet.protocolVersion)} is not MQTT 3.1.1 (4)`);
    return;
  }
  const nowMs = ctx.nowMs();
  const credentials: ConnectCredentials = {
    clientId: packet.clientId,
    username: packet.username,
    password: packet.password,
    peerCertificate: conn.peerCertificate,
    localPort: conn.meta.localPort,
  };
  const auth = ctx.handler.authenticate(credentials, nowMs);
  if (!auth.ok) {
    refuse(ctx, conn, auth.returnCode, auth.reason);
    return;
  }
  const previous = ctx.sessions.get(auth.clientId)?.connection;
  if (previous === undefined && ctx.table.connected >= ctx.limits.maxConnections) {
    refuse(ctx, conn, ConnackCode.serverUnavailable, `the server holds its maximum of ${ctx.limits.maxConnections} connections`);
    return;
  }
  // A take-over from the same address frees its slot as it connects, so it is never refused here.
  if ((previous === undefined || previous.address !== conn.address) && ctx.table.connectedFrom(conn.address) >= ctx.limits.maxConnectionsPerAddress) {
    refuse(ctx, conn, ConnackCode.serverUnavailable, `address ${conn.address} holds its maximum of ${ctx.limits.maxConnectionsPerAddress} connections`);
    return;
  }
  if (previous !== undefined) previous.close('session taken over by a new connection with the same client id');
  const { session, present } = ctx.sessions.open(auth.clientId, auth.identity, packet.clean !== false);
  session.connection = conn;
  conn.session = session;
  conn.identity = auth.identity;
  conn.state = 'connected';
  conn.lastPacketMs = nowMs;
  conn.validUntilMs = auth.validUntilMs;
  conn.credentials = credentials;
  const keepAliveSec = packet.keepalive === undefined || packet.keepalive === 0 ? ctx.limits.maxKeepAliveSec : Math.min(packet.keepalive, ctx.limits.maxKeepAliveSec);
  conn.idleLimitMs = keepAliveSec * 1000 * ctx.limits.keepAliveGraceFactor;
  conn.send({ cmd: 'connack', returnCode: ConnackCode.accepted, sessionPresent: present });
  ctx.log.info({ client: auth.clientId, auth: auth.method, sessionPresent: present, keepAliveSec }, `${ctx.clientNoun} connected`);
  if (packet.will !== undefined) ctx.log.debug({ client: auth.clientId }, 'CONNECT carries a will message; ignored');
  ctx.handler.connected?.(session, conn, present);
}

function refuse(ctx: ServerContext, conn: Connection, returnCode: number, reason: string): void {
  ctx.log.info({ client: conn.label, returnCode, reason }, `${ctx.clientNoun} connection refused`);
  conn.send({ cmd: 'connack', returnCode, sessionPresent: false });
  conn.close(`CONNECT refused: ${reason}`, true);
}

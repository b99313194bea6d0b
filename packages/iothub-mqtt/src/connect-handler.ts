import type { IConnectPacket } from 'mqtt-packet';
import { ConnackCode, type AuthResult, type ConnectCredentials } from './authenticate.js';
import type { Connection } from './connection.js';
import { handlerFailed, type ServerContext } from './server-context.js';
import type { StoredSession } from './session-registry.js';
import { acceptWill } from './will-message.js';

type Accepted = Extract<AuthResult, { ok: true }>;

/**
 * Handles CONNECT (azure-sdk-protocol.md §2): MQTT 3.1.1 only, authentication (the handler's), the connection
 * limit, then session take-over: a second connection with the same client id closes the first (MQTT-3.1.4-2), and
 * the session (clean=false) carries over with its subscriptions. A will must be the client's own telemetry
 * (`acceptWill`; CONNACK 5 otherwise). Refusals answer CONNACK with the code and close.
 *
 * Authentication and the session store may answer with a promise (a database). The CONNECT is then decided later
 * (`holdUntilDecided`): until then the connection reads nothing more, and a connection closed meanwhile drops the
 * result. When both answer at once, everything happens in this call, as before (no extra tick per CONNECT).
 */
export function handleConnect(ctx: ServerContext, conn: Connection, packet: IConnectPacket): void {
  if (packet.protocolVersion !== 4) {
    refuse(ctx, conn, ConnackCode.unacceptableProtocol, `protocol level ${String(packet.protocolVersion)} is not MQTT 3.1.1 (4)`);
    return;
  }
  const credentials: ConnectCredentials = {
    clientId: packet.clientId,
    username: packet.username,
    password: packet.password,
    peerCertificate: conn.peerCertificate,
    localPort: conn.meta.localPort,
  };
  let decided: void | Promise<void>;
  try {
    const auth = ctx.handler.authenticate(credentials, ctx.nowMs());
    decided = auth instanceof Promise ? auth.then((a) => openSession(ctx, conn, packet, credentials, a)) : openSession(ctx, conn, packet, credentials, auth);
  } catch (err) {
    undecided(ctx, conn, err);
    return;
  }
  if (decided instanceof Promise) holdUntilDecided(ctx, conn, decided);
}

/**
 * Marks the connection as waiting for its CONNECT (`Connection.pendingConnect`: it is not read, later frames wait
 * in `stream-attach.ts`) until `decided` settles; then the connection table counts it as connected, or frees the
 * pending slot it kept if it closed meanwhile (`ConnectionTable.settled`).
 */
function holdUntilDecided(ctx: ServerContext, conn: Connection, decided: Promise<void>): void {
  conn.pendingConnect = decided
    .then(undefined, (err: unknown) => undecided(ctx, conn, err))
    .then(() => {
      conn.pendingConnect = undefined;
      ctx.table.settled(conn);
    });
  conn.pauseReading();
}

/** Authentication or the session store failed: CONNACK 3 (server unavailable), or a close once CONNACK 0 went out. */
function undecided(ctx: ServerContext, conn: Connection, err: unknown): void {
  if (conn.state === 'connected') {
    handlerFailed(ctx, conn, 'CONNECT', err);
    return;
  }
  if (conn.closing) return;
  ctx.log.error({ err, client: conn.label }, 'CONNECT could not be decided (authentication or session store failed)');
  refuse(ctx, conn, ConnackCode.serverUnavailable, 'authentication or the session store failed');
}

function openSession(ctx: ServerContext, conn: Connection, packet: IConnectPacket, credentials: ConnectCredentials, auth: AuthResult): void | Promise<void> {
  if (conn.closing) return; // closed while authentication was pending: the result is dropped
  if (!auth.ok) {
    refuse(ctx, conn, auth.returnCode, auth.reason);
    return;
  }
  const will = acceptWill(auth.identity, packet.will, ctx.limits.maxTelemetryBytes);
  if (!will.ok) {
    refuse(ctx, conn, ConnackCode.notAuthorized, will.reason);
    return;
  }
  conn.will = will.value;
  return ctx.sessions.prepareOpen(auth.clientId, packet.clean !== false, (stored) => accept(ctx, conn, packet, credentials, auth, stored));
}

function accept(ctx: ServerContext, conn: Connection, packet: IConnectPacket, credentials: ConnectCredentials, auth: Accepted, stored: StoredSession | undefined): void {
  if (conn.closing) return; // closed while the session store was read: the result is dropped
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
  const { session, present } = ctx.sessions.open(auth.clientId, auth.identity, packet.clean !== false, stored);
  session.connection = conn;
  conn.session = session;
  conn.identity = auth.identity;
  conn.state = 'connected';
  ctx.table.promoteIfConnected(conn);
  conn.lastPacketMs = ctx.nowMs();
  conn.validUntilMs = auth.validUntilMs;
  conn.credentials = credentials;
  const keepAliveSec = packet.keepalive === undefined || packet.keepalive === 0 ? ctx.limits.maxKeepAliveSec : Math.min(packet.keepalive, ctx.limits.maxKeepAliveSec);
  conn.idleLimitMs = keepAliveSec * 1000 * ctx.limits.keepAliveGraceFactor;
  conn.send({ cmd: 'connack', returnCode: ConnackCode.accepted, sessionPresent: present });
  ctx.log.info({ client: auth.clientId, auth: auth.method, sessionPresent: present, keepAliveSec }, `${ctx.clientNoun} connected`);
  ctx.handler.connected?.(session, conn, present);
}

function refuse(ctx: ServerContext, conn: Connection, returnCode: number, reason: string): void {
  ctx.log.info({ client: conn.label, returnCode, reason }, `${ctx.clientNoun} connection refused`);
  conn.send({ cmd: 'connack', returnCode, sessionPresent: false });
  conn.close(`CONNECT refused: ${reason}`, true);
}

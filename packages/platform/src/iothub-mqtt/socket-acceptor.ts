import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { Connection } from './connection.js';
import type { FrameEvent } from './frame-reader.js';
import { dispatchPacket } from './packet-dispatch.js';
import { addressKey } from './remote-address.js';
import type { ServerContext } from './server-context.js';
import { invalidTextField } from './utf8-fields.js';

/** What the acceptor needs besides the shared context. */
export interface AcceptorDeps {
  readonly ctx: ServerContext;
  readonly secureContext: () => SecureContext;
  /** Called once per connection after its socket closed. */
  readonly onClosed: (conn: Connection, wasConnected: boolean) => void;
}

/**
 * Accepts raw TCP sockets and runs TLS on them. Admission control (connect floods): beyond
 * `maxPendingHandshakes` sockets that have not finished CONNECT, or `maxPendingHandshakesPerAddress` of them from
 * the socket's address, new sockets are dropped at once, before any TLS work; so one address cannot take every
 * slot and lock the others out (the sweep closes the ones it holds once they time out). Client certificates are requested but not verified by TLS (`rejectUnauthorized: false`): the thumbprint
 * check in authentication decides, as for IoT Hub self-signed X.509 devices.
 */
export function createSocketAcceptor(deps: AcceptorDeps): (raw: Socket) => void {
  const { ctx } = deps;
  const table = ctx.table;
  let seq = 0;
  return (raw: Socket) => {
    const address = addressKey(raw.remoteAddress);
    if (table.pending >= ctx.limits.maxPendingHandshakes || table.pendingFrom(address) >= ctx.limits.maxPendingHandshakesPerAddress) {
      table.recordRefusal(address); // logged once per sweep, not per socket: a flood must not flood the log too
      raw.destroy();
      return;
    }
    raw.on('error', () => undefined); // reported through the TLS socket, which owns the close
    raw.setNoDelay(true);
    const socket = new TLSSocket(raw, { isServer: true, secureContext: deps.secureContext(), requestCert: true, rejectUnauthorized: false });
    seq += 1;
    const conn = new Connection(raw, socket, seq, ctx.limits, ctx.log, ctx.nowMs());
    table.add(conn);
    socket.on('secure', () => {
      conn.state = 'awaitingConnect';
      conn.secureAtMs = ctx.nowMs();
    });
    socket.on('data', (chunk: Buffer) => onData(deps, conn, chunk));
    socket.on('error', (err: Error) => conn.close(`socket error: ${err.message}`));
    socket.once('close', () => {
      const wasConnected = table.remove(conn);
      deps.onClosed(conn, wasConnected);
      conn.markClosed();
    });
  };
}

function onData(deps: AcceptorDeps, conn: Connection, chunk: Buffer): void {
  try {
    if (conn.closing) return;
    for (const event of conn.reader.push(chunk)) {
      if (conn.closing) return;
      handleFrame(deps, conn, event);
    }
  } catch (err) {
    // Last line of defence: a client can never crash the process.
    deps.ctx.log.error({ err, client: conn.label }, 'MQTT server: unexpected failure; closing the client');
    conn.close('internal error');
  }
}

function handleFrame(deps: AcceptorDeps, conn: Connection, event: FrameEvent): void {
  switch (event.kind) {
    case 'frame': {
      let packet;
      try {
        packet = conn.decoder.decode(event.frame);
      } catch (err) {
        deps.ctx.log.info({ client: conn.label, reason: (err as Error).message }, 'malformed MQTT packet; closing the client');
        conn.close(`malformed packet: ${(err as Error).message}`);
        return;
      }
      const badText = invalidTextField(event.frame);
      if (badText !== undefined) {
        deps.ctx.log.info({ client: conn.label, reason: badText }, 'malformed MQTT packet; closing the client');
        conn.close(`malformed packet: ${badText}`);
        return;
      }
      dispatchPacket(deps.ctx, conn, packet);
      deps.ctx.table.promoteIfConnected(conn);
      return;
    }
    case 'oversize': {
      const limit = conn.state === 'connected' ? deps.ctx.limits.maxPacketBytes : deps.ctx.limits.maxConnectPacketBytes;
      deps.ctx.log.info({ client: conn.label, bytes: event.totalBytes, limit }, 'MQTT packet too large; closing the client');
      conn.close(`packet of ${event.totalBytes} bytes exceeds the ${limit}-byte limit`);
      return;
    }
    case 'malformed':
      deps.ctx.log.info({ client: conn.label, reason: event.reason }, 'malformed MQTT packet; closing the client');
      conn.close(`malformed packet: ${event.reason}`);
      return;
    default: {
      const never: never = event;
      conn.close(`unknown frame event ${JSON.stringify(never)}`);
    }
  }
}

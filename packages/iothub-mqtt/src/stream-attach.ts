import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Connection } from './connection.js';
import type { FrameEvent } from './frame-reader.js';
import { dispatchPacket } from './packet-dispatch.js';
import { addressKey } from './remote-address.js';
import type { ServerContext } from './server-context.js';
import type { StreamMeta } from './stream-meta.js';
import { invalidTextField } from './utf8-fields.js';

/** What attaching a stream needs besides the shared context. */
export interface AttachDeps {
  readonly ctx: ServerContext;
  /** Called once per connection after its stream closed. */
  readonly onClosed: (conn: Connection, wasConnected: boolean) => void;
  /** Numbers connections for log lines. */
  readonly nextId: () => number;
}

/**
 * Admission control (connect floods): beyond `maxPendingHandshakes` streams that have not finished CONNECT, or
 * `maxPendingHandshakesPerAddress` of them from one address, a new stream is refused (before any TLS work for a
 * socket), so one address cannot take every slot and lock the others out (the sweep closes the ones it holds once
 * they time out). Refusals are counted and logged once per sweep, not per stream: a flood must not flood the log.
 */
export function admit(ctx: ServerContext, remoteAddress: string | undefined): boolean {
  const address = addressKey(remoteAddress);
  const table = ctx.table;
  if (table.pending >= ctx.limits.maxPendingHandshakes || table.pendingFrom(address) >= ctx.limits.maxPendingHandshakesPerAddress) {
    table.recordRefusal(address);
    return false;
  }
  return true;
}

/**
 * Serves MQTT on an admitted stream: frames and decodes what it reads, dispatches the packets, and removes the
 * connection from the table when the stream closes. `raw` is the TCP socket under a TLS stream (see `Connection`);
 * such a connection starts in `handshake` and its acceptor moves it on. Any other stream is ready for CONNECT.
 */
export function attachStream(deps: AttachDeps, stream: Duplex, meta: StreamMeta, raw?: Socket): Connection {
  const { ctx } = deps;
  const conn = new Connection(stream, meta, deps.nextId(), ctx.limits, ctx.log, ctx.nowMs(), raw);
  if (raw === undefined) {
    conn.state = 'awaitingConnect';
    conn.secureAtMs = conn.acceptedAtMs;
  }
  ctx.table.add(conn);
  stream.on('data', (chunk: Buffer) => {
    conn.countReceived(chunk.length);
    onData(deps, conn, chunk);
  });
  stream.on('error', (err: Error) => conn.close(`socket error: ${err.message}`));
  // As a TCP socket does without allowHalfOpen: the client's end ends ours, so the stream closes.
  if (raw === undefined) stream.on('end', () => stream.writableEnded || stream.end());
  stream.once('close', () => {
    const wasConnected = ctx.table.remove(conn);
    deps.onClosed(conn, wasConnected);
    conn.markClosed();
  });
  return conn;
}

function onData(deps: AttachDeps, conn: Connection, chunk: Buffer): void {
  if (conn.closing) return;
  let events: FrameEvent[];
  try {
    events = conn.reader.push(chunk);
  } catch (err) {
    failed(deps, conn, err);
    return;
  }
  handleFrames(deps, conn, events, 0);
}

/**
 * Handles `events` from index `from` on, in order. While a CONNECT is decided asynchronously (`pendingConnect`) the
 * socket is not read, and the frames after it wait: they are handled once it is decided (the client may send
 * before CONNACK, MQTT 3.1.1 §3.1.4), or dropped with the connection if it was refused or closed meanwhile.
 */
function handleFrames(deps: AttachDeps, conn: Connection, events: readonly FrameEvent[], from: number): void {
  try {
    for (let i = from; i < events.length; i++) {
      if (conn.closing) return;
      if (conn.pendingConnect !== undefined) {
        waitForConnect(deps, conn, conn.pendingConnect, events, i);
        return;
      }
      handleFrame(deps, conn, events[i] as FrameEvent);
    }
    if (conn.pendingConnect !== undefined) waitForConnect(deps, conn, conn.pendingConnect, events, events.length);
  } catch (err) {
    failed(deps, conn, err);
  }
}

/** Last line of defence: a client can never crash the process. */
function failed(deps: AttachDeps, conn: Connection, err: unknown): void {
  deps.ctx.log.error({ err, client: conn.label }, 'MQTT server: unexpected failure; closing the client');
  conn.close('internal error');
}

/** Handles the frames from `from` on once the pending CONNECT is decided (the socket is paused meanwhile), then reads again. */
function waitForConnect(deps: AttachDeps, conn: Connection, decision: Promise<void>, events: readonly FrameEvent[], from: number): void {
  const held = events.slice(from); // a copy: the reader's array is not ours to keep
  void decision.then(() => {
    handleFrames(deps, conn, held, 0);
    conn.resumeReading();
  });
}

function handleFrame(deps: AttachDeps, conn: Connection, event: FrameEvent): void {
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

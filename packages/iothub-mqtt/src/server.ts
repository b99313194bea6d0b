import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from '@verge/platform';
import type { IotHubBackend } from './backend.js';
import type { Connection } from './connection.js';
import { ConnectionTable } from './connection-table.js';
import { defaultIotHubMqttLimits, type IotHubMqttLimits } from './limits.js';
import type { ServerContext } from './server-context.js';
import { SessionRegistry } from './session-registry.js';
import { admit, attachStream, type AttachDeps } from './stream-attach.js';
import type { StreamMeta } from './stream-meta.js';
import { createIotHubSurface } from './surface.js';
import { sweepConnections } from './sweep.js';
import { createTlsAcceptor } from './tls-acceptor.js';

/** TLS material of a server: the private key and the certificate chain it sends (leaf first, azure-sdk-protocol.md §0.2). */
export interface ServerTls {
  readonly key: string;
  readonly cert: string;
}

/** Options of {@link createIotHubMqttServer}. */
export interface IotHubMqttServerOptions {
  /** What connections, messages and twin requests mean: the cloud's or the edge hub's. */
  readonly backend: IotHubBackend;
  /**
   * The sessions (build it first and hand it to the backend's parts that deliver to clients); default: in memory
   * only. Give it a `MqttSessionStore` for sessions that survive a restart.
   */
  readonly sessions?: SessionRegistry;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly tls: ServerTls;
  readonly log: Logger;
  readonly limits?: Partial<IotHubMqttLimits>;
  readonly nowMs?: () => number;
  /** What a client is called in log lines (default `client`). */
  readonly clientNoun?: string;
  /** What the server is called in error answers (`see the {serverName} log`; default `server`). */
  readonly serverName?: string;
}

/** Live counters. */
export interface IotHubMqttServerStats {
  readonly connected: number;
  readonly pendingHandshakes: number;
  readonly sockets: number;
}

/** An MQTT 3.1.1 server of the IoT Hub surface: a TLS listener, and any other stream through `handle`. */
export interface IotHubMqttServer {
  readonly sessions: SessionRegistry;
  readonly limits: IotHubMqttLimits;
  /** The bound port (the configured one before `start`). */
  readonly port: number;
  start(): Promise<{ port: number }>;
  /**
   * Serves MQTT on a stream that is already open (MQTT over WebSockets, an in-memory pair in tests): the same
   * admission control, limits, sessions and surface as the TLS listener, which calls it for every TLS socket. A
   * stream over the pending-connection limits, or handed in after `stop`, is destroyed at once. Works before `start`
   * too (no listener needed), but the keep-alive and timeout sweeps run only once started.
   */
  handle(stream: Duplex, meta: StreamMeta): void;
  /**
   * Drain, first half: closes the listener and refuses streams handed in later; connected clients stay. Idempotent.
   */
  stopAccepting(): void;
  /**
   * Drain, second half: stops reading from every client and waits until each publish already read has its answer
   * (its PUBACK written, or its refusal), at most `timeoutMs`. Resolves false when some were still pending then.
   */
  settleInbound(timeoutMs: number): Promise<boolean>;
  /**
   * Stops listening and closes every client (each with `reason`); resolves once all sockets closed. `graceful`
   * sends what was written (PUBACKs) before each close instead of destroying the sockets at once.
   */
  stop(reason?: string, options?: { readonly graceful?: boolean }): Promise<void>;
  /** Serves new connections with renewed TLS material. */
  setTls(tls: ServerTls): void;
  /** Every open connection (connected or not). */
  connections(): IterableIterator<Connection>;
  stats(): IotHubMqttServerStats;
}

/**
 * Creates a server of the IoT Hub MQTT surface for the unmodified Azure IoT device SDK (azure-sdk-protocol.md):
 * TLS 1.2+ (or any stream through `handle`), MQTT 3.1.1, persistent sessions, admission control, packet size limits
 * known before a body is buffered, keep-alive and token-expiry sweeps, and the surface's topics (`surface.ts`).
 * What connections and messages mean is the backend's (see `IotHubBackend`).
 */
export function createIotHubMqttServer(opts: IotHubMqttServerOptions): IotHubMqttServer {
  const limits: IotHubMqttLimits = { ...defaultIotHubMqttLimits, ...opts.limits };
  const log = opts.log;
  const nowMs = opts.nowMs ?? Date.now;
  let secureContext = buildContext(opts.tls);
  let port = opts.port;
  const table = new ConnectionTable();
  const sessions = opts.sessions ?? new SessionRegistry(undefined);
  const handler = createIotHubSurface(opts.backend, { log, nowMs, serverName: opts.serverName ?? 'server' });
  const ctx: ServerContext = { handler, log, limits, nowMs, sessions, table, clientNoun: opts.clientNoun ?? 'client' };
  let stopped = false;
  const onClosed = (conn: Connection, wasConnected: boolean): void => {
    const session = conn.session;
    // Also for a connection taken over (it did not DISCONNECT); never while the server stops or drains.
    if (wasConnected && !stopped && conn.will !== undefined && conn.identity !== undefined) {
      const { will, identity } = conn;
      conn.will = undefined;
      try {
        handler.will?.(identity, conn, will);
      } catch (err) {
        log.error({ err, client: conn.label }, 'MQTT handler failed on a will message');
      }
    }
    if (!wasConnected || session === undefined || session.connection !== conn) return; // taken over: the new one owns it
    sessions.release(session);
    log.info({ client: session.clientId, reason: conn.reason ?? 'closed by the client or the network' }, `${ctx.clientNoun} disconnected`);
    try {
      handler.disconnected?.(session, conn);
    } catch (err) {
      log.error({ err, client: session.clientId }, 'MQTT handler failed on disconnect');
    }
  };
  let seq = 0;
  const attach: AttachDeps = { ctx, onClosed, nextId: () => ++seq };
  const server: Server = createServer(createTlsAcceptor(attach, () => secureContext));
  server.maxConnections = limits.maxConnections + limits.maxPendingHandshakes;
  let sweeper: NodeJS.Timeout | undefined;

  return {
    sessions,
    limits,
    get port() {
      return port;
    },
    async start() {
      stopped = false;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => log.error({ err }, 'MQTT listener error'));
      port = (server.address() as AddressInfo).port;
      sweeper = setInterval(() => {
        sweepConnections(table.values(), limits, nowMs());
        if (table.refused > 0) {
          const { total, byAddress } = table.takeRefusals();
          log.warn(
            { refused: total, byAddress, pending: table.pending, limit: limits.maxPendingHandshakes, perAddressLimit: limits.maxPendingHandshakesPerAddress },
            'too many pending handshakes; new sockets dropped',
          );
        }
      }, limits.sweepIntervalMs);
      sweeper.unref();
      return { port };
    },
    handle(stream: Duplex, meta: StreamMeta) {
      if (stopped || !admit(ctx, meta.remoteAddress)) {
        stream.on('error', () => undefined); // some streams report their own destruction as an error
        stream.destroy();
        return;
      }
      attachStream(attach, stream, meta);
    },
    stopAccepting() {
      stopped = true;
      if (server.listening) server.close();
    },
    async settleInbound(timeoutMs: number) {
      const deadline = nowMs() + timeoutMs;
      for (const conn of table.values()) conn.stopReading();
      // Publishes settle at the store's pace (a group commit): look again every few milliseconds until none is held.
      while ([...table.values()].some((c) => c.pendingInboundCount > 0)) {
        if (nowMs() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return true;
    },
    async stop(reason = 'the server is shutting down', options = {}) {
      stopped = true;
      if (sweeper !== undefined) clearInterval(sweeper);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const conn of [...table.values()]) conn.close(reason, options.graceful === true);
      await table.drained();
      if (server.listening) await closed;
    },
    setTls(tls: ServerTls) {
      secureContext = buildContext(tls);
    },
    connections() {
      return table.values();
    },
    stats() {
      return { connected: table.connected, pendingHandshakes: table.pending, sockets: table.size };
    },
  };
}

function buildContext(tls: ServerTls): SecureContext {
  return createSecureContext({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' });
}

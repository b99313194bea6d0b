import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { Logger } from '../log/index.js';
import type { Connection } from './connection.js';
import { ConnectionTable } from './connection-table.js';
import type { IotHubMqttHandler } from './handler.js';
import { defaultIotHubMqttLimits, type IotHubMqttLimits } from './limits.js';
import type { ServerContext } from './server-context.js';
import { SessionRegistry } from './session-registry.js';
import { createSocketAcceptor } from './socket-acceptor.js';
import { sweepConnections } from './sweep.js';
import type { MqttSessionStore } from './types.js';

/** TLS material of a server: the private key and the certificate chain it sends (leaf first, azure-sdk-protocol.md §0.2). */
export interface ServerTls {
  readonly key: string;
  readonly cert: string;
}

/** Options of {@link createIotHubMqttServer}. */
export interface IotHubMqttServerOptions {
  /** The application's handler, or a factory given the server's session registry (handlers usually need it). */
  readonly handler: IotHubMqttHandler | ((sessions: SessionRegistry) => IotHubMqttHandler);
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly tls: ServerTls;
  readonly log: Logger;
  /** Durable sessions; without one they live in memory only. */
  readonly sessionStore?: MqttSessionStore;
  readonly limits?: Partial<IotHubMqttLimits>;
  readonly nowMs?: () => number;
  /** What a client is called in log lines (default `client`). */
  readonly clientNoun?: string;
}

/** Live counters. */
export interface IotHubMqttServerStats {
  readonly connected: number;
  readonly pendingHandshakes: number;
  readonly sockets: number;
}

/** An MQTT 3.1.1-over-TLS server of the IoT Hub surface. */
export interface IotHubMqttServer {
  readonly sessions: SessionRegistry;
  readonly limits: IotHubMqttLimits;
  /** The bound port (the configured one before `start`). */
  readonly port: number;
  start(): Promise<{ port: number }>;
  /** Stops listening and closes every client (each with `reason`); resolves once all sockets closed. */
  stop(reason?: string): Promise<void>;
  /** Serves new connections with renewed TLS material. */
  setTls(tls: ServerTls): void;
  /** Every open connection (connected or not). */
  connections(): IterableIterator<Connection>;
  stats(): IotHubMqttServerStats;
}

/**
 * Creates a server of the IoT Hub MQTT surface for the unmodified Azure IoT device SDK (azure-sdk-protocol.md):
 * TLS 1.2+, MQTT 3.1.1, persistent sessions, admission control, packet size limits known before a body is
 * buffered, keep-alive and token-expiry sweeps. What connections mean is the handler's (see `IotHubMqttHandler`).
 */
export function createIotHubMqttServer(opts: IotHubMqttServerOptions): IotHubMqttServer {
  const limits: IotHubMqttLimits = { ...defaultIotHubMqttLimits, ...opts.limits };
  const log = opts.log;
  const nowMs = opts.nowMs ?? Date.now;
  let secureContext = buildContext(opts.tls);
  let port = opts.port;
  const table = new ConnectionTable();
  const sessions = new SessionRegistry(opts.sessionStore);
  const handler = typeof opts.handler === 'function' ? opts.handler(sessions) : opts.handler;
  const ctx: ServerContext = { handler, log, limits, nowMs, sessions, table, clientNoun: opts.clientNoun ?? 'client' };
  const onClosed = (conn: Connection, wasConnected: boolean): void => {
    const session = conn.session;
    if (!wasConnected || session === undefined || session.connection !== conn) return; // taken over: the new one owns it
    sessions.release(session);
    log.info({ client: session.clientId, reason: conn.reason ?? 'closed by the client or the network' }, `${ctx.clientNoun} disconnected`);
    try {
      handler.disconnected?.(session, conn);
    } catch (err) {
      log.error({ err, client: session.clientId }, 'MQTT handler failed on disconnect');
    }
  };
  const server: Server = createServer(createSocketAcceptor({ ctx, secureContext: () => secureContext, onClosed }));
  server.maxConnections = limits.maxConnections + limits.maxPendingHandshakes;
  let sweeper: NodeJS.Timeout | undefined;

  return {
    sessions,
    limits,
    get port() {
      return port;
    },
    async start() {
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
    async stop(reason = 'the server is shutting down') {
      if (sweeper !== undefined) clearInterval(sweeper);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const conn of [...table.values()]) conn.close(reason);
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

import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { parseSubscription, topics } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import type { DeviceEndpointServices, DeviceGateway, IdentityRef } from '../services/types.js';
import { C2dDispatcher } from './c2d-dispatcher.js';
import { clientIdOf } from './connect-credentials.js';
import type { Connection } from './connection.js';
import { ConnectionTable } from './connection-table.js';
import type { EndpointContext } from './endpoint-context.js';
import { createGateway } from './gateway.js';
import { applyIdentityChange } from './identity-watch.js';
import { defaultDeviceEndpointLimits } from './limits.js';
import type { DeviceEndpointLimits } from './limits.js';
import { MethodInvoker } from './method-invoker.js';
import { SessionRegistry, isSubscribed } from './session-registry.js';
import { createSocketAcceptor } from './socket-acceptor.js';
import { sweepConnections } from './sweep.js';

/** TLS material of the endpoint: the server key, the certificate chain it sends (leaf first), the CA. */
export interface EndpointTls {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

/** Options of `createDeviceEndpoint`. */
export interface DeviceEndpointOptions {
  readonly services: DeviceEndpointServices;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** The hub host name: SAS audiences and user names must name it. */
  readonly hostname: string;
  readonly tls: EndpointTls;
  readonly log: Logger;
  readonly nowMs?: () => number;
  readonly limits?: Partial<DeviceEndpointLimits>;
}

/** Live counters, for metrics and the benchmark. */
export interface DeviceEndpointStats {
  readonly connected: number;
  readonly pendingHandshakes: number;
  readonly sockets: number;
  readonly pendingMethods: number;
}

/** The MQTT device endpoint. */
export interface DeviceEndpoint {
  readonly gateway: DeviceGateway;
  start(): Promise<{ port: number }>;
  /** Stops listening, closes every client (each marked disconnected) and rejects pending method calls. */
  stop(): Promise<void>;
  /** Serves new connections with renewed TLS material (see `ensureCloudPki`'s `serverNotAfter`). */
  setTls(tls: EndpointTls): void;
  stats(): DeviceEndpointStats;
}

/**
 * Creates the cloud's device endpoint: MQTT 3.1.1 over TLS (1.2+) with IoT Hub's topic surface, for the
 * unmodified Azure IoT device SDK (azure-sdk-protocol.md). See index.ts for the design notes.
 */
export function createDeviceEndpoint(opts: DeviceEndpointOptions): DeviceEndpoint {
  const limits: DeviceEndpointLimits = { ...defaultDeviceEndpointLimits, ...opts.limits };
  const log = opts.log.child({ component: 'mqtt' });
  const nowMs = opts.nowMs ?? Date.now;
  let secureContext = buildContext(opts.tls);
  let port = opts.port;
  const table = new ConnectionTable();
  const sessions = new SessionRegistry(opts.services, (filter) => {
    try {
      return parseSubscription(filter);
    } catch {
      return undefined;
    }
  });
  const methods = new MethodInvoker();
  const ctx: EndpointContext = {
    services: opts.services,
    log,
    limits,
    nowMs,
    hostNames: () => [opts.hostname, `${opts.hostname}:${port}`],
    sessions,
    methods,
    c2d: new C2dDispatcher(opts.services, limits, nowMs, log),
    connectedCount: () => table.connected,
  };
  const onClosed = (conn: Connection, wasConnected: boolean): void => {
    const session = conn.session;
    if (!wasConnected || session === undefined || session.connection !== conn) return; // taken over: the new one owns it
    sessions.release(session);
    log.info({ client: session.clientId, reason: conn.reason ?? 'closed by the client or the network' }, 'device disconnected');
    try {
      opts.services.setConnectionState(session.identity, false);
    } catch (err) {
      log.error({ err, client: session.clientId }, 'could not record the disconnection');
    }
  };
  const server: Server = createServer(createSocketAcceptor({ ctx, table, secureContext: () => secureContext, onClosed }));
  server.maxConnections = limits.maxConnections + limits.maxPendingHandshakes;
  let sweeper: NodeJS.Timeout | undefined;
  const unsubscribe: (() => void)[] = [];

  const listen = (): void => {
    unsubscribe.push(
      opts.services.onDesiredPatch((id, patch, version) => safely(log, 'desired patch', () => pushDesired(ctx, id, patch, version))),
      opts.services.onC2dEnqueued((deviceId) =>
        safely(log, 'C2D enqueued', () => {
          const session = sessions.get(deviceId);
          if (session !== undefined) ctx.c2d.deliver(session);
        }),
      ),
    );
    const watch = opts.services.onIdentityChanged?.((id, change) => safely(log, 'identity change', () => applyIdentityChange(ctx, id, change)));
    if (watch !== undefined) unsubscribe.push(watch);
  };

  return {
    gateway: createGateway(sessions, methods),
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => log.error({ err }, 'device endpoint listener error'));
      port = (server.address() as AddressInfo).port;
      listen();
      sweeper = setInterval(() => {
        sweepConnections(table.values(), limits, nowMs());
        if (table.refused > 0) {
          log.warn({ refused: table.refused, pending: table.pending, limit: limits.maxPendingHandshakes }, 'too many pending handshakes; new sockets dropped');
          table.refused = 0;
        }
      }, limits.sweepIntervalMs);
      sweeper.unref();
      log.info({ host: opts.host, port, hostname: opts.hostname }, 'device endpoint listening (MQTT over TLS)');
      return { port };
    },
    async stop() {
      if (sweeper !== undefined) clearInterval(sweeper);
      for (const u of unsubscribe.splice(0)) u();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      methods.cancelAll('the device endpoint is shutting down');
      for (const conn of [...table.values()]) conn.close('the device endpoint is shutting down');
      await table.drained();
      if (server.listening) await closed;
      log.info('device endpoint stopped');
    },
    setTls(tls: EndpointTls) {
      secureContext = buildContext(tls);
    },
    stats() {
      return { connected: table.connected, pendingHandshakes: table.pending, sockets: table.size, pendingMethods: methods.size };
    },
  };
}

function buildContext(tls: EndpointTls): SecureContext {
  return createSecureContext({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' });
}

function pushDesired(ctx: EndpointContext, id: IdentityRef, patch: Record<string, unknown>, version: number): void {
  const session = ctx.sessions.get(clientIdOf(id));
  const conn = session?.connection;
  if (session === undefined || conn === undefined || !isSubscribed(session, 'twinDesiredPatches')) return;
  const body = JSON.stringify({ ...patch, $version: version });
  conn.send({ cmd: 'publish', topic: topics.twinDesiredPatch(version), payload: Buffer.from(body, 'utf8'), qos: 0, dup: false, retain: false });
}

/** Listener bodies run inside the services' call: a failure is logged, never thrown back into them. */
function safely(log: Logger, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.error({ err, what }, 'device endpoint: notification handling failed');
  }
}

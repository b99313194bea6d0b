import type { Duplex } from 'node:stream';
import { clientIdOf, createIotHubMqttServer, isSubscribed, SessionRegistry, type MqttSession, type StreamMeta } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import type { DeviceEndpointServices, DeviceGateway } from '../services/types.js';
import { DesiredVersions, resyncAfterBusOutage } from './bus-resync.js';
import { C2dDispatcher } from './c2d-dispatcher.js';
import { createCloudBackend } from './cloud-backend.js';
import { createGateway } from './gateway.js';
import { ConnectRace } from './connect-race.js';
import { applyIdentityChange, recheckCredentials } from './identity-watch.js';
import { defaultDeviceEndpointLimits } from './limits.js';
import type { DeviceEndpointLimits } from './limits.js';
import { MethodInvoker } from './method-invoker.js';
import { sessionStoreOf } from './session-store.js';

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
  /** Drain, first step (SIGTERM): no new connections (listener closed, WebSockets refused); connected clients stay. */
  stopAccepting(): void;
  /**
   * Drain, last step before `stop`: stops reading from the connected clients and waits, at most `timeoutMs`, until
   * every publish already read is answered (stored and PUBACKed, or refused). Resolves false at the deadline.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /**
   * Stops listening, closes every client (each marked disconnected) and rejects pending method calls; after `drain`,
   * each client first receives the PUBACKs already written.
   */
  stop(): Promise<void>;
  /** Serves new connections with renewed TLS material (see `ensureCloudPki`'s `serverNotAfter`). */
  setTls(tls: EndpointTls): void;
  /** Serves MQTT on a stream opened elsewhere (MQTT over WebSockets): see `IotHubMqttServer.handle`. */
  handle(stream: Duplex, meta: StreamMeta): void;
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
  const methods = new MethodInvoker();
  const sessions = new SessionRegistry(sessionStoreOf(opts.services), log);
  const c2d = new C2dDispatcher(opts.services, limits, nowMs, log);
  const takenOverElsewhere = new Set<string>();
  const desired = new DesiredVersions();
  const watchDeps = { services: opts.services, sessions, hostname: opts.hostname, log, nowMs };
  const races = { seen: new ConnectRace(), recheck: (session: MqttSession) => safely(log, 'identity recheck', () => recheckCredentials(watchDeps, session)) };
  const server = createIotHubMqttServer({
    backend: createCloudBackend({ services: opts.services, hostname: opts.hostname, methods, c2d, log, nowMs, takenOverElsewhere, desired, races }),
    sessions,
    host: opts.host,
    port: opts.port,
    tls: { key: opts.tls.key, cert: opts.tls.cert },
    log,
    limits: { ...limits, maxInflightToClient: limits.maxInflightC2d },
    nowMs,
    clientNoun: 'device',
    serverName: 'cloud',
  });
  const unsubscribe: (() => void)[] = [];
  let draining = false;

  const listen = (): void => {
    unsubscribe.push(
      opts.services.onDesiredPatch((id, patch, version) => safely(log, 'desired patch', () => pushDesired(sessions, desired, id, patch, version))),
      opts.services.onC2dEnqueued((deviceId) =>
        safely(log, 'C2D enqueued', () => {
          const session = sessions.get(deviceId);
          if (session !== undefined) c2d.deliver(session);
        }),
      ),
    );
    const watch = opts.services.onIdentityChanged?.((id, change) => {
      races.seen.changed();
      safely(log, 'identity change', () => applyIdentityChange(watchDeps, id, change));
    });
    if (watch !== undefined) unsubscribe.push(watch);
    const elsewhere = opts.services.onConnectedElsewhere?.((id) => safely(log, 'connected elsewhere', () => closeTakenOver(sessions, takenOverElsewhere, id, log)));
    if (elsewhere !== undefined) unsubscribe.push(elsewhere);
    const resumed = opts.services.onBusResumed?.(() => {
      races.seen.changed(); // changes during the outage were not seen
      safely(log, 'bus resumed', () => resyncAfterBusOutage({ ...watchDeps, c2d, desired }));
    });
    if (resumed !== undefined) unsubscribe.push(resumed);
  };

  return {
    gateway: createGateway(sessions, methods),
    async start() {
      const { port } = await server.start();
      listen();
      log.info({ host: opts.host, port, hostname: opts.hostname }, 'device endpoint listening (MQTT over TLS)');
      return { port };
    },
    stopAccepting() {
      server.stopAccepting();
      log.info({ connected: server.stats().connected }, 'device endpoint draining: no new connections');
    },
    async drain(timeoutMs: number) {
      draining = true;
      server.stopAccepting();
      return server.settleInbound(timeoutMs);
    },
    async stop() {
      for (const u of unsubscribe.splice(0)) u();
      methods.cancelAll('the device endpoint is shutting down');
      await server.stop('the device endpoint is shutting down', { graceful: draining });
      await sessions.flushed(); // the store closes after the endpoint: the last subscription changes land first
      log.info('device endpoint stopped');
    },
    setTls(tls: EndpointTls) {
      server.setTls({ key: tls.key, cert: tls.cert });
    },
    handle(stream: Duplex, meta: StreamMeta) {
      server.handle(stream, meta);
    },
    stats() {
      const s = server.stats();
      return { connected: s.connected, pendingHandshakes: s.pendingHandshakes, sockets: s.sockets, pendingMethods: methods.size };
    },
  };
}

function pushDesired(sessions: SessionRegistry, desired: DesiredVersions, id: ClientIdentity, patch: Record<string, unknown>, version: number): void {
  const session = sessions.get(clientIdOf(id));
  const conn = session?.connection;
  if (session === undefined || conn === undefined || !isSubscribed(session, 'twinDesiredPatches')) return;
  desired.saw(session.clientId, version);
  conn.publishDesiredPatch(patch, version);
}

/** The client connected to another instance: its connection here closes (IoT Hub keeps the newest connection). */
function closeTakenOver(sessions: SessionRegistry, takenOver: Set<string>, id: ClientIdentity, log: Logger): void {
  const clientId = clientIdOf(id);
  const conn = sessions.get(clientId)?.connection;
  if (conn === undefined) return;
  takenOver.add(clientId);
  log.info({ client: clientId }, 'client connected to another cloud instance; closing its connection here');
  conn.close('the client connected to another cloud instance');
}

/** Listener bodies run inside the services' call: a failure is logged, never thrown back into them. */
function safely(log: Logger, what: string, fn: () => unknown): void {
  const failed = (err: unknown): void => log.error({ err, what }, 'device endpoint: notification handling failed');
  try {
    const result = fn();
    if (result instanceof Promise) result.catch(failed);
  } catch (err) {
    failed(err);
  }
}

import { VergeError, type DeadLetterSender, type HubDeadLetters, type HubModuleConnections, type HubReadiness, type QueueInfo, type ReadinessSignal } from '@verge/contracts';
import { runStopSteps, type Logger } from '@verge/platform';
import { clientIdOf, type ServerTls } from '@verge/iothub-mqtt';
import type { EndpointPumps, EndpointPumpStatus } from './endpoints/index.js';
import { assembleHub, type HubParts } from './hub-assembly.js';
import { HubCounters } from './hub-counters.js';
import { isWildcardHost, ModuleNetworkListeners } from './module-network-listener.js';
import { createHubHttps } from './http/hub-https.js';
import type { HubHttpsListener } from './http/hub-https-listener.js';
import { parseEdgeHubOptions, type EdgeHubDeps, type EdgeHubOptions } from './hub-options.js';
import { PENDING_ROUTES_QUEUE } from './routing/pending-routes.js';
import { parkedQueueOf } from './upstream/parked-senders.js';

/** A running edge hub's figures (for `verge edge`, metrics and tests). */
export interface EdgeHubStatus {
  /** The bound MQTT port. */
  readonly port: number;
  /** The bound HTTPS port (direct methods, MQTT over WebSockets); undefined without an HTTPS listener. */
  readonly httpsPort: number | undefined;
  /** The cloud is reachable (the hub's own upstream link, `$edgeHub`, is connected). */
  readonly online: boolean;
  readonly connectedClients: number;
  readonly upstreamLinks: number;
  readonly scopeDevices: number;
  /** A device-scope sync is running or scheduled on demand (a refused leaf login or credential asked for one). */
  readonly scopeSyncPending: boolean;
  readonly routes: number;
  /** `$version` of the `$edgeHub` desired properties in force. */
  readonly routesVersion: number | undefined;
  readonly counters: ReturnType<HubCounters['snapshot']>;
  readonly endpoints: readonly EndpointPumpStatus[];
}

/** What the hub's Prometheus metrics are read from when scraped (metrics/hub-metrics.ts); nothing is copied per message. */
export interface HubMetricsSource {
  /** The live counters of the ingest path, twins, methods and connections. */
  readonly counters: HubCounters;
  status(): EdgeHubStatus;
  /** Accepted messages per endpoint, priority and sender. */
  sentBySource(): ReturnType<EndpointPumps['sentBySource']>;
  /** Every queue of the store with its length (empty while the hub is not running). */
  queues(): Promise<readonly QueueInfo[]>;
}

/** The edge hub: MQTT server for modules and leaves, router, store-and-forward and upstream (issue #4 item 4). */
export interface EdgeHub extends HubReadiness, HubModuleConnections {
  /** Read by the Prometheus `/metrics` endpoint. */
  readonly metrics: HubMetricsSource;
  /** Senders whose upstream messages are parked (dead letters), and their replay. */
  readonly deadLetters: HubDeadLetters;
  /** Opens the databases, issues the server certificate, starts every part and listens; resolves with the port. */
  start(): Promise<{ port: number }>;
  /** Closes clients, pumps, upstream links and databases; whatever was acknowledged stays stored. Idempotent. */
  stop(): Promise<void>;
  /**
   * Also serves MQTT over TLS on `host:8883` and, with an HTTPS listener, HTTPS (direct methods, MQTT over
   * WebSockets) on `host:443`: a module network's gateway address (module-network-listener.ts). Each is a no-op
   * when the main listener already covers it. Rejects with the listen error (e.g. EADDRINUSE, naming the address).
   */
  listenForModules(host: string): Promise<void>;
  status(): EdgeHubStatus;
}

/**
 * Creates the edge hub; the constructor does nothing (no I/O) until `start()`. Throws HUB_OPTIONS_INVALID for bad
 * options. See `EdgeHubDeps` for what the composition root provides.
 */
export function createEdgeHub(deps: EdgeHubDeps): EdgeHub {
  return new Hub(deps, parseEdgeHubOptions(deps.options));
}

// Modules on a module network dial the gateway host name alone: the SDK's fixed ports (reference §5.1).
const MODULE_NETWORK_MQTT_PORT = 8883;
const MODULE_NETWORK_HTTPS_PORT = 443;

class Hub implements EdgeHub {
  private parts: HubParts | undefined;
  private https: HubHttpsListener | undefined;
  private moduleListeners: ModuleNetworkListeners | undefined;
  /** The server certificate last renewed (undefined: the one issued at start, `parts.tls`). */
  private renewedTls: ServerTls | undefined;
  private starting: Promise<{ port: number }> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly counters = new HubCounters();
  private readonly log: Logger;
  readonly deadLetters: HubDeadLetters = {
    list: () => this.listDeadLetters(),
    replay: (sender) => this.replayDeadLetters(sender),
  };
  readonly metrics: HubMetricsSource = {
    counters: this.counters,
    status: () => this.status(),
    sentBySource: () => this.parts?.pumps.sentBySource() ?? [],
    queues: async () => (this.parts === undefined ? [] : this.parts.store.queues()),
  };

  constructor(
    private readonly deps: EdgeHubDeps,
    private readonly o: EdgeHubOptions,
  ) {
    this.log = deps.log.child({ component: 'edge-hub' });
  }

  start(): Promise<{ port: number }> {
    this.starting ??= this.run();
    return this.starting;
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  modulesChanged(): void {
    this.parts?.reauthenticateModules();
  }

  async whenConfigured(signal: ReadinessSignal): Promise<void> {
    await this.starting;
    const p = this.parts;
    if (p === undefined) throw new VergeError('HUB_STORE_CLOSED', 'the edge hub is not running');
    await p.watcher.whenConfigured(signal);
  }

  private async listDeadLetters(): Promise<DeadLetterSender[]> {
    const p = this.running();
    return p.parked.list((id) => p.pumps.get(id)?.status());
  }

  private async replayDeadLetters(sender: string | undefined): Promise<DeadLetterSender[]> {
    const p = this.running();
    const replayed = await p.parked.toReplay(sender);
    for (const d of replayed) {
      const [deviceId, moduleId] = d.sender.split('/') as [string, string | undefined];
      const link = p.pool.get(moduleId === undefined ? { deviceId } : { deviceId, moduleId });
      if (link !== undefined && clientIdOf(link.id) === d.sender) link.kick();
    }
    // A leaf may have been re-enabled or given new keys since the last sync: an operator's replay syncs the scope
    // at once (no on-demand rate limit); a sync that changes the scope wakes the parked queues again.
    if (replayed.some((d) => !d.sender.includes('/'))) void p.scope.sync();
    p.registry.wake(replayed.map((d) => parkedQueueOf(d.sender).endpointId));
    this.log.info({ senders: replayed.map((d) => d.sender) }, 'dead letters replayed: retrying their parked messages now');
    return replayed;
  }

  async listenForModules(host: string): Promise<void> {
    await this.starting;
    const p = this.running();
    const covered = (boundPort: number, port: number): boolean => boundPort === port && (isWildcardHost(this.o.listenHost) || this.o.listenHost === host);
    const https = this.https;
    const mqttCovered = covered(p.server.port, MODULE_NETWORK_MQTT_PORT);
    const httpsCovered = https === undefined || covered(https.port, MODULE_NETWORK_HTTPS_PORT);
    if (mqttCovered && httpsCovered) return;
    this.moduleListeners ??= new ModuleNetworkListeners({ server: p.server, https, tls: this.renewedTls ?? p.tls, log: this.log });
    const listeners = this.moduleListeners;
    await Promise.all([
      mqttCovered ? undefined : listeners.listen(host, MODULE_NETWORK_MQTT_PORT, 'mqtt'),
      httpsCovered ? undefined : listeners.listen(host, MODULE_NETWORK_HTTPS_PORT, 'https'),
    ]);
  }

  private running(): HubParts {
    if (this.parts === undefined) throw new VergeError('HUB_STORE_CLOSED', 'the edge hub is not running');
    return this.parts;
  }

  status(): EdgeHubStatus {
    const p = this.parts;
    return {
      port: p?.server.port ?? this.o.mqttPort,
      httpsPort: this.https?.port ?? this.o.httpsPort,
      online: p?.pool.online ?? false,
      connectedClients: p?.server.stats().connected ?? 0,
      upstreamLinks: p === undefined ? 0 : [...p.pool.all()].length,
      scopeDevices: p?.scope.size ?? 0,
      scopeSyncPending: p?.scope.syncPending ?? false,
      routes: p?.table.current.routes.length ?? 0,
      routesVersion: p?.table.current.desiredVersion,
      counters: this.counters.snapshot(),
      endpoints: p?.pumps.status() ?? [],
    };
  }

  /**
   * Start order: saved routes first (the hub routes at once, also offline), then a pump for every endpoint that has
   * routes or stored messages (a restart resumes every queue from its checkpoint, reference §4), the device scope
   * from its cache, the upstream links, and the listener last, so no client is served before the hub can route.
   */
  private async run(): Promise<{ port: number }> {
    const parts = await assembleHub({ deps: this.deps, o: this.o, log: this.log, nowMs: this.deps.nowMs ?? Date.now, counters: this.counters });
    this.parts = parts;
    try {
      parts.watcher.start();
      // The scope before the pumps: a restart while offline forwards leaves' messages with their cached keys.
      parts.scope.start();
      for (const q of await parts.store.queues()) if (q.length > 0 && q.endpointId !== PENDING_ROUTES_QUEUE.endpointId) parts.registry.ensure(q.endpointId);
      parts.pending.drain();
      parts.pool.start();
      const { port } = await parts.server.start();
      const httpsPort = this.o.httpsPort;
      if (httpsPort !== undefined) {
        this.https = createHubHttps(parts, this.deps, { ...this.o, httpsPort }, this.log, this.deps.nowMs ?? Date.now);
        await this.https.start();
      }
      parts.sync.resume();
      parts.renewal.schedule(parts.renewAtMs, (tls) => {
        parts.server.setTls(tls);
        this.https?.setTls(tls);
        this.renewedTls = tls;
        this.moduleListeners?.setTls(tls);
      });
      this.log.info({ port, hostname: this.o.hostname, routes: parts.table.current.routes.length, pumps: parts.registry.endpointIds().length }, 'edge hub listening (MQTT over TLS)');
      return { port };
    } catch (err) {
      // Not shutdown(): it awaits `starting`, which is this very call (a failed listen, e.g. a port in use, hung here).
      await this.teardown();
      throw err;
    }
  }

  private async shutdown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.teardown();
  }

  /** Stops clients first (no new data), then pumps (in-flight sends end, unfinished ones stay stored), then links, then storage. */
  private async teardown(): Promise<void> {
    const p = this.parts;
    if (p === undefined) return;
    this.parts = undefined;
    const https = this.https;
    this.https = undefined;
    const moduleListeners = this.moduleListeners;
    this.moduleListeners = undefined;
    await runStopSteps(
      [
        { name: 'certificate renewal', stop: () => p.renewal.stop() },
        // Before the HTTPS listener: no connection is handed to it once it stopped.
        { name: 'module network listeners', stop: () => moduleListeners?.close() },
        { name: 'https', stop: () => https?.stop() },
        { name: 'reported clients', stop: () => p.presence.stop() },
        { name: 'mqtt', stop: () => p.server.stop('the edge hub is shutting down') },
        { name: 'methods', stop: () => p.methods.cancelAll('the edge hub is shutting down') },
        { name: 'pumps', stop: () => p.pumps.stop() },
        { name: 'reported sync', stop: () => p.sync.stop() },
        { name: 'device scope', stop: () => p.scope.stop() },
        { name: 'upstream', stop: () => p.pool.close() },
        { name: 'store', stop: () => (p.ownsStore ? p.store.close() : undefined) },
        { name: 'state', stop: () => p.state.close() },
      ],
      { log: this.log },
    );
    this.log.info('edge hub stopped');
  }
}

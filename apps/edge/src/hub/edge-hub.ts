import { VergeError, type DeadLetterSender, type HubDeadLetters, type HubReadiness, type ReadinessSignal } from '@verge/contracts';
import type { Logger } from '@verge/platform';
import { clientIdOf } from '@verge/platform';
import type { EndpointPumpStatus } from './endpoints/index.js';
import { assembleHub, type HubParts } from './hub-assembly.js';
import { HubCounters } from './hub-counters.js';
import { parseEdgeHubOptions, type EdgeHubDeps, type EdgeHubOptions } from './hub-options.js';
import { PENDING_ROUTES_QUEUE } from './routing/pending-routes.js';
import { parkedQueueOf } from './upstream/parked-senders.js';

/** A running edge hub's figures (for `verge edge`, metrics and tests). */
export interface EdgeHubStatus {
  /** The bound MQTT port. */
  readonly port: number;
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

/** The edge hub: MQTT server for modules and leaves, router, store-and-forward and upstream (issue #4 item 4). */
export interface EdgeHub extends HubReadiness {
  /** Senders whose upstream messages are parked (dead letters), and their replay. */
  readonly deadLetters: HubDeadLetters;
  /** Opens the databases, issues the server certificate, starts every part and listens; resolves with the port. */
  start(): Promise<{ port: number }>;
  /** Closes clients, pumps, upstream links and databases; whatever was acknowledged stays stored. Idempotent. */
  stop(): Promise<void>;
  status(): EdgeHubStatus;
}

/**
 * Creates the edge hub; the constructor does nothing (no I/O) until `start()`. Throws HUB_OPTIONS_INVALID for bad
 * options. See `EdgeHubDeps` for what the composition root provides.
 */
export function createEdgeHub(deps: EdgeHubDeps): EdgeHub {
  return new Hub(deps, parseEdgeHubOptions(deps.options));
}

class Hub implements EdgeHub {
  private parts: HubParts | undefined;
  private starting: Promise<{ port: number }> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly counters = new HubCounters();
  private readonly log: Logger;
  readonly deadLetters: HubDeadLetters = {
    list: () => this.listDeadLetters(),
    replay: (sender) => this.replayDeadLetters(sender),
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

  private running(): HubParts {
    if (this.parts === undefined) throw new VergeError('HUB_STORE_CLOSED', 'the edge hub is not running');
    return this.parts;
  }

  status(): EdgeHubStatus {
    const p = this.parts;
    return {
      port: p?.server.port ?? this.o.mqttPort,
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
      parts.sync.resume();
      parts.renewal.schedule(parts.renewAtMs, (tls) => parts.server.setTls(tls));
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
    const steps: [string, () => unknown][] = [
      ['certificate renewal', () => p.renewal.stop()],
      ['mqtt', () => p.server.stop('the edge hub is shutting down')],
      ['methods', () => p.methods.cancelAll('the edge hub is shutting down')],
      ['pumps', () => p.pumps.stop()],
      ['reported sync', () => p.sync.stop()],
      ['device scope', () => p.scope.stop()],
      ['upstream', () => p.pool.close()],
      ['store', () => (p.ownsStore ? p.store.close() : undefined)],
      ['state', () => p.state.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        this.log.error({ err, step: name }, 'edge hub shutdown step failed');
      }
    }
    this.log.info('edge hub stopped');
  }
}

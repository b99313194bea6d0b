import { join } from 'node:path';
import type { MessageStore } from '@verge/contracts';
import { createDeviceClient, type DeviceClient, type DeviceClientCredential, type DeviceClientOptions } from '@verge/device-client';
import { createIotHubMqttServer, SessionRegistry, type AuthResult, type ConnectCredentials, type IotHubMqttServer, type ServerTls } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import { RECONNECT_BACKOFF, type ClientIdentity } from '@verge/core';
import { EDGE_HUB_MODULE_ID, authenticateHubClient } from './auth/hub-authenticate.js';
import { AckTracker } from './delivery/ack-tracker.js';
import { EndpointRegistry } from './delivery/endpoint-registry.js';
import { createModuleInputSender, hubMaxInflightToClient } from './delivery/module-input-sender.js';
import { createEndpointPumps, type EndpointPumps } from './endpoints/index.js';
import type { HubCounters } from './hub-counters.js';
import type { EdgeHubDeps, EdgeHubOptions } from './hub-options.js';
import { C2dBridge } from './methods/c2d-bridge.js';
import { MethodBridge } from './methods/method-bridge.js';
import { createHubBackend } from './mqtt/hub-backend.js';
import { EdgeHubConfigWatcher } from './routing/edge-hub-config.js';
import { ingestMessage, type IngestDeps } from './routing/ingest.js';
import { PendingRoutes } from './routing/pending-routes.js';
import { RouteTable } from './routing/route-table.js';
import { DeviceScope } from './scope/device-scope.js';
import { reauthenticateModules, reauthenticateScope } from './scope/reauthenticate.js';
import { HubState } from './state/hub-state.js';
import { openSqliteMessageStore } from './store/index.js';
import { CertRenewal } from './tls/cert-renewal.js';
import { EdgeHubStatusReporter, withClientPresence } from './twin/edge-hub-reported.js';
import { ReportedSync } from './twin/reported-sync.js';
import { TwinBridge } from './twin/twin-bridge.js';
import { upstreamCredentialFor } from './upstream/upstream-credentials.js';
import { ParkedSenders } from './upstream/parked-senders.js';
import { UpstreamPool } from './upstream/upstream-pool.js';
import { quietReconnectLog } from './upstream/quiet-log.js';
import { createUpstreamSender } from './upstream/upstream-sender.js';

/** The parts of a started hub, in the order `stop` tears them down. */
export interface HubParts {
  readonly state: HubState;
  readonly store: MessageStore;
  readonly ownsStore: boolean;
  readonly server: IotHubMqttServer;
  readonly pumps: EndpointPumps;
  readonly registry: EndpointRegistry;
  readonly pool: UpstreamPool;
  readonly scope: DeviceScope;
  readonly sync: ReportedSync;
  readonly methods: MethodBridge;
  readonly renewal: CertRenewal;
  readonly table: RouteTable;
  readonly watcher: EdgeHubConfigWatcher;
  readonly pending: PendingRoutes;
  readonly parked: ParkedSenders;
  readonly renewAtMs: number;
  /** `$edgeHub` reported `version` and `clients` (connected modules and leaves). */
  readonly presence: EdgeHubStatusReporter;
  /** The server certificate issued at start (the HTTPS listener serves the same one as the MQTT listener). */
  readonly tls: ServerTls;
  /** The hub's CONNECT authentication (the HTTPS method endpoint authenticates callers with it too). */
  readonly authenticate: (credentials: ConnectCredentials, nowMs: number) => AuthResult;
  /** Closes the connections of modules whose credentials no longer hold (scope/reauthenticate.ts). */
  readonly reauthenticateModules: () => void;
}

/** Context of {@link assembleHub}. */
export interface AssemblyContext {
  readonly deps: EdgeHubDeps;
  readonly o: EdgeHubOptions;
  readonly log: Logger;
  readonly nowMs: () => number;
  readonly counters: HubCounters;
}

/**
 * Builds every part of the hub and wires them (nothing listens or connects yet, except that the databases are
 * open and the server certificate is issued). See edge-hub.ts for the start order.
 */
export async function assembleHub(c: AssemblyContext): Promise<HubParts> {
  const { deps, o, log, nowMs } = c;
  const edgeDeviceId = deps.device.deviceId;
  const state = HubState.open(join(o.dataDir, 'hub-state.db'), nowMs);
  const ownsStore = deps.store === undefined;
  const store =
    deps.store ??
    openSqliteMessageStore({
      path: join(o.dataDir, 'messages.db'),
      synchronous: o.storeSynchronous,
      ...(o.maxStoreBytes === undefined ? {} : { maxBytes: o.maxStoreBytes }),
      ...(o.storeReserveDiskBytes === undefined ? {} : { reserveDiskBytes: o.storeReserveDiskBytes }),
    });
  const renewal = new CertRenewal(deps.edgeCa, o.hostname, log, o.dataDir);
  const { renewAtMs, ...tls } = await renewal.initial();
  // Plain construction: every part's constructor only stores its options, so callbacks may name parts built
  // further down (they run only once the hub starts).
  const sessions = new SessionRegistry(state.sessions);
  const scope = new DeviceScope({
    state,
    source: deps.deviceScope,
    edgeDeviceId,
    refreshMs: o.scopeRefreshMs,
    retryMs: o.scopeRetryMs,
    onDemandMinMs: o.scopeOnDemandMinMs,
    log,
    nowMs,
    changed: (ids) => reauthenticateScope(sessions, ids, authenticate, nowMs(), log),
    // A leaf re-enabled, its keys rotated or newly added: its parked (or waiting) upstream messages retry now
    // instead of after their backoff (up to 60 s).
    updated: () => registry.wakeUpstream(),
  });
  const credentialCtx = { edgeDeviceId, deviceKey: deps.device.deviceKey, resolveModule: deps.resolveModule, leaf: (id: string) => scope.get(id) };
  const authenticate = (credentials: ConnectCredentials, now: number) => {
    const port = credentials.localPort ?? o.mqttPort;
    const result = authenticateHubClient(credentials, { ...credentialCtx, audienceHosts: [deps.device.iotHubHostName, o.hostname, `${o.hostname}:${port}`], nowMs: now });
    // A refused leaf (unknown, or a key the cached scope does not hold): the cache may be stale (issue 7).
    if (!result.ok && (result.returnCode === 4 || result.returnCode === 5) && !credentials.clientId.includes('/')) scope.requestSync(`leaf login refused: ${result.reason}`);
    return result;
  };
  const pool = new UpstreamPool({
    credentialFor: (id) => upstreamCredentialFor(id, credentialCtx),
    factory: (id, credential) => upstreamClient(c, id, credential, false),
    probeFactory: (id, credential) => upstreamClient(c, id, credential, true),
    probe: { deviceId: edgeDeviceId, moduleId: EDGE_HUB_MODULE_ID },
    idleTimeoutMs: o.upstreamIdleTimeoutMs,
    releaseGraceMs: o.upstreamReleaseGraceMs,
    onConnected: (link) => {
      registry.wakeUpstream();
      twins.linkConnected(link);
      if (link === pool.probe) {
        watcher.connected();
        scope.online();
        presence.linkConnected();
      }
    },
    // The cloud refused a leaf's credential from the cached scope (keys rotated, device disabled): refresh the scope.
    onRefused: (link) => {
      if (link.id.moduleId === undefined) scope.requestSync(`the cloud refused the credential of '${link.clientId}'`);
    },
    probeReady: (link) => {
      watcher.attach(link);
      presence.attach(link);
    },
    log,
    nowMs,
  });
  const pumps = createEndpointPumps({ store, log, pumpDefaults: { sendTimeoutMs: o.sendTimeoutMs } });
  const acks = new AckTracker();
  const table = new RouteTable(o.defaultTtlSecs);
  const pending = new PendingRoutes({ store, table: () => table.current, stored: (ids) => registry.notify(ids), counters: c.counters, log, ttlSecs: o.defaultTtlSecs, nowMs });
  const parked = new ParkedSenders({ store, parked: (ids) => registry.notify(ids), log, nowMs });
  const sync = new ReportedSync({ state, pool, log, cloudTimeoutMs: o.cloudTimeoutMs, retryMs: o.reportedRetryMs });
  const presence = new EdgeHubStatusReporter({ log, nowMs, cloudTimeoutMs: o.cloudTimeoutMs });
  const registry = new EndpointRegistry({
    pumps,
    upstreamSender: createUpstreamSender(pool, log, parked),
    parkedSender: createUpstreamSender(pool, log),
    moduleInputSender: (ref) => createModuleInputSender(ref, { edgeDeviceId, sessions, acks }),
    log,
  });
  const twins = new TwinBridge({ state, pool, sessions, sync, log, nowMs, cloudTimeoutMs: o.cloudTimeoutMs, connectWaitMs: o.connectWaitMs });
  const methods = new MethodBridge({ pool, sessions, timeoutMs: o.methodTimeoutMs, log, counts: c.counters.directMethods });
  // Built once: one object and three closures per message were a tenth of the hub's allocation upstream (issue 8).
  const ingestDeps: IngestDeps = { table: () => table.current, store, stored: (ids) => registry.notify(ids), hold: (m) => pending.hold(m) };
  const backend = createHubBackend({
    authenticate,
    ingest: (message) => ingestMessage(ingestDeps, message),
    twins,
    methods,
    c2d: new C2dBridge({ pool, sessions, acks, ackTimeoutMs: o.c2dAckTimeoutMs }),
    pool,
    acks,
    wakeModuleInputs: (moduleId) => registry.wakeModule(moduleId),
    counters: c.counters,
    log,
  });
  const server = createIotHubMqttServer({
    backend: withClientPresence(backend, presence),
    sessions,
    host: o.listenHost,
    port: o.mqttPort,
    tls,
    log,
    clientNoun: 'module or leaf device',
    serverName: 'edge hub',
    nowMs,
    // Room for a full window towards each of a few inputs of one module (issue 8); explicit limits override it.
    limits: { maxInflightToClient: hubMaxInflightToClient, ...deps.mqttLimits },
  });
  const watcher = new EdgeHubConfigWatcher({
    state,
    table,
    defaultTtlSecs: o.defaultTtlSecs,
    applied: (snapshot) => {
      for (const r of snapshot.routes) registry.ensure(r.endpointId);
      pending.drain();
    },
    log,
    cloudTimeoutMs: o.cloudTimeoutMs,
  });
  return { state, store, ownsStore, server, pumps, registry, pool, scope, sync, methods, renewal, table, watcher, pending, parked, renewAtMs, tls, authenticate, presence, reauthenticateModules: () => reauthenticateModules(sessions, authenticate, nowMs(), log) };
}

/** The probe's backoff once the cloud refused it: every link's own (core's RECONNECT_BACKOFF). */
const UPSTREAM_REFUSED_BACKOFF = { initialDelayMs: RECONNECT_BACKOFF.baseMs, maxDelayMs: RECONNECT_BACKOFF.maxMs, jitter: RECONNECT_BACKOFF.jitter };

function upstreamClient(c: AssemblyContext, id: ClientIdentity, credential: DeviceClientCredential, probe: boolean): DeviceClient {
  const { deps } = c;
  const options: DeviceClientOptions = {
    hubHostName: deps.device.iotHubHostName,
    deviceId: id.deviceId,
    ...(id.moduleId === undefined ? {} : { moduleId: id.moduleId }),
    host: deps.upstream.host,
    port: deps.upstream.port,
    ...(deps.upstream.ca === undefined ? {} : { ca: deps.upstream.ca }),
    credential,
    clientType: 'verge-edge-hub/0.1.0',
    log: quietReconnectLog(c.log.child({ upstream: id.moduleId === undefined ? id.deviceId : `${id.deviceId}/${id.moduleId}` })),
    // The probe tells when the cloud is back: it retries every second; the other links are kicked when it connects.
    // A cloud that answers and refuses (a rotated key, a disabled device, a cloud at its limits) is not an outage:
    // then it backs off as every link does (1 s → 60 s), instead of a TLS handshake per second per edge device.
    ...(probe ? { reconnect: { initialDelayMs: 250, maxDelayMs: 1_000, jitter: 0.2 }, reconnectWhenRefused: UPSTREAM_REFUSED_BACKOFF } : {}),
  };
  return (deps.createUpstreamClient ?? createDeviceClient)(options);
}

import { join } from 'node:path';
import { VergeError, type MessageStore } from '@verge/contracts';
import { createSasToken, moduleResource } from '@verge/core';
import { createDeviceClient, type DeviceClient, type DeviceClientCredential, type DeviceClientOptions } from '@verge/device-client';
import { createIotHubMqttServer, type ConnectCredentials, type IotHubMqttServer, type Logger, type MqttIdentity } from '@verge/platform';
import { EDGE_HUB_MODULE_ID, authenticateHubClient, moduleKeys } from './auth/hub-authenticate.js';
import { createHttpDeviceScopeSource } from './scope/http-scope-source.js';
import type { DeviceScopeSource } from './scope/scope-identity.js';
import { AckTracker } from './delivery/ack-tracker.js';
import { EndpointRegistry } from './delivery/endpoint-registry.js';
import { createModuleInputSender } from './delivery/module-input-sender.js';
import { createEndpointPumps, type EndpointPumps } from './endpoints/index.js';
import type { HubCounters } from './hub-counters.js';
import type { EdgeHubDeps, EdgeHubOptions } from './hub-options.js';
import { C2dBridge } from './methods/c2d-bridge.js';
import { MethodBridge } from './methods/method-bridge.js';
import { createHubHandler } from './mqtt/hub-handler.js';
import { EdgeHubConfigWatcher } from './routing/edge-hub-config.js';
import { ingestMessage } from './routing/ingest.js';
import { PendingRoutes } from './routing/pending-routes.js';
import { RouteTable } from './routing/route-table.js';
import { DeviceScope } from './scope/device-scope.js';
import { reauthenticateScope } from './scope/reauthenticate.js';
import { HubState } from './state/hub-state.js';
import { openSqliteMessageStore } from './store/index.js';
import { CertRenewal } from './tls/cert-renewal.js';
import { ReportedSync } from './twin/reported-sync.js';
import { TwinBridge } from './twin/twin-bridge.js';
import { upstreamCredentialFor } from './upstream/upstream-credentials.js';
import type { UpstreamLink } from './upstream/upstream-link.js';
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
  const renewal = new CertRenewal(deps.edgeCa, o.hostname, log);
  const { renewAtMs, ...tls } = await renewal.issue();
  const late: { server?: IotHubMqttServer; onLink: (link: UpstreamLink) => void; probeReady: (link: UpstreamLink) => void; scopeUpdated: () => void } = {
    onLink: () => undefined,
    probeReady: () => undefined,
    scopeUpdated: () => undefined,
  };
  const scope = new DeviceScope({
    state,
    source: deps.deviceScope ?? cloudScopeSource(deps),
    edgeDeviceId,
    refreshMs: o.scopeRefreshMs,
    retryMs: o.scopeRetryMs,
    onDemandMinMs: o.scopeOnDemandMinMs,
    log,
    nowMs,
    changed: (ids) => {
      if (late.server !== undefined) reauthenticateScope(late.server, ids, authenticate, nowMs(), log);
    },
    // A leaf re-enabled, its keys rotated or newly added: its parked (or waiting) upstream messages retry now
    // instead of after their backoff (up to 60 s).
    updated: () => late.scopeUpdated(),
  });
  const credentialCtx = { edgeDeviceId, deviceKey: deps.device.deviceKey, resolveModule: deps.resolveModule, leaf: (id: string) => scope.get(id) };
  const authenticate = (credentials: ConnectCredentials, now: number) => {
    const port = late.server?.port ?? o.mqttPort;
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
    onConnected: (link) => late.onLink(link),
    // The cloud refused a leaf's credential from the cached scope (keys rotated, device disabled): refresh the scope.
    onRefused: (link) => {
      if (link.id.moduleId === undefined) scope.requestSync(`the cloud refused the credential of '${link.clientId}'`);
    },
    probeReady: (link) => late.probeReady(link),
    log,
    nowMs,
  });
  const pumps = createEndpointPumps({ store, log, pumpDefaults: { sendTimeoutMs: o.sendTimeoutMs } });
  const acks = new AckTracker();
  const table = new RouteTable(o.defaultTtlSecs);
  let notifyStored: (endpointIds: readonly string[]) => void = () => undefined;
  const pending = new PendingRoutes({ store, table: () => table.current, stored: (ids) => notifyStored(ids), counters: c.counters, log, ttlSecs: o.defaultTtlSecs });
  const parked = new ParkedSenders({ store, parked: (ids) => notifyStored(ids), log, nowMs });
  const sync = new ReportedSync({ state, pool, log, cloudTimeoutMs: o.cloudTimeoutMs, retryMs: o.reportedRetryMs });
  let registry: EndpointRegistry | undefined;
  let methods: MethodBridge | undefined;
  let twins: TwinBridge | undefined;
  const server = createIotHubMqttServer({
    handler: (sessions) => {
      registry = new EndpointRegistry({
        pumps,
        upstreamSender: createUpstreamSender(pool, log, parked),
        parkedSender: createUpstreamSender(pool, log),
        moduleInputSender: (ref) => createModuleInputSender(ref, { edgeDeviceId, sessions, acks }),
        log,
      });
      const reg = registry;
      notifyStored = (ids) => reg.notify(ids);
      twins = new TwinBridge({ state, pool, sessions, sync, log, nowMs, cloudTimeoutMs: o.cloudTimeoutMs, connectWaitMs: o.connectWaitMs });
      methods = new MethodBridge({ pool, sessions, timeoutMs: o.methodTimeoutMs, log });
      return createHubHandler({
        authenticate,
        ingest: (message) => ingestMessage({ table: () => table.current, store, stored: (ids) => reg.notify(ids), hold: (m) => pending.hold(m) }, message),
        twins,
        methods,
        c2d: new C2dBridge({ pool, sessions, acks, ackTimeoutMs: o.c2dAckTimeoutMs }),
        pool,
        acks,
        wakeModuleInputs: (moduleId) => reg.wakeModule(moduleId),
        counters: c.counters,
        log,
      });
    },
    host: o.listenHost,
    port: o.mqttPort,
    tls,
    log,
    sessionStore: state.sessions,
    clientNoun: 'module or leaf device',
    nowMs,
    ...(deps.mqttLimits === undefined ? {} : { limits: deps.mqttLimits }),
  });
  late.server = server;
  if (registry === undefined || methods === undefined || twins === undefined) throw new Error('the MQTT server did not build its handler');
  const reg: EndpointRegistry = registry;
  const tw: TwinBridge = twins;
  const watcher = new EdgeHubConfigWatcher({
    state,
    table,
    defaultTtlSecs: o.defaultTtlSecs,
    applied: (snapshot) => {
      for (const r of snapshot.routes) reg.ensure(r.endpointId);
      pending.drain();
    },
    log,
    cloudTimeoutMs: o.cloudTimeoutMs,
  });
  late.onLink = (link) => {
    reg.wakeUpstream();
    tw.linkConnected(link);
    if (link === pool.probe) {
      watcher.connected();
      scope.online();
    }
  };
  late.probeReady = (link) => watcher.attach(link);
  late.scopeUpdated = () => reg.wakeUpstream();
  return { state, store, ownsStore, server, pumps, registry: reg, pool, scope, sync, methods, renewal, table, watcher, pending, parked, renewAtMs };
}

/** The cloud's device-scope call, authenticated with the `$edgeHub` module's own SAS token (derived key). */
function cloudScopeSource(deps: EdgeHubDeps): DeviceScopeSource | undefined {
  const api = deps.cloudApi;
  if (api === undefined) return undefined;
  const { iotHubHostName, deviceId, deviceKey } = deps.device;
  return createHttpDeviceScopeSource({
    baseUrl: api.baseUrl,
    ...(api.ca === undefined ? {} : { ca: api.ca }),
    edgeDeviceId: deviceId,
    token: () => {
      const keys = moduleKeys({ deviceKey, resolveModule: deps.resolveModule }, EDGE_HUB_MODULE_ID);
      if (keys === undefined) throw new VergeError('HUB_SCOPE_SYNC_FAILED', `device scope sync: the agent knows no generation of '${EDGE_HUB_MODULE_ID}', so the hub cannot authenticate to the cloud`);
      return createSasToken({ resource: moduleResource(iotHubHostName, deviceId, EDGE_HUB_MODULE_ID), key: keys.primaryKey, expirySec: Math.floor(Date.now() / 1000) + 3600 });
    },
  });
}

function upstreamClient(c: AssemblyContext, id: MqttIdentity, credential: DeviceClientCredential, probe: boolean): DeviceClient {
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
    ...(probe ? { reconnect: { initialDelayMs: 250, maxDelayMs: 1_000, jitter: 0.2 } } : {}),
  };
  return (deps.createUpstreamClient ?? createDeviceClient)(options);
}

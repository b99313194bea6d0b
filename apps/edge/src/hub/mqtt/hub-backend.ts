import { isVergeError, type Message } from '@verge/contracts';
import type { AuthResult, ConnectCredentials, IngestResult, IotHubBackend, MqttConnection, MqttSession, MqttSessionSubscription } from '@verge/iothub-mqtt';
import type { Logger } from '@verge/platform';
import type { ClientIdentity } from '@verge/core';
import type { AckTracker } from '../delivery/ack-tracker.js';
import type { HubCounters } from '../hub-counters.js';
import type { C2dBridge } from '../methods/c2d-bridge.js';
import type { MethodBridge } from '../methods/method-bridge.js';
import type { IngestOutcome } from '../routing/ingest.js';
import type { TwinBridge } from '../twin/twin-bridge.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';

/** What the hub's backend works with. */
export interface HubBackendDeps {
  readonly authenticate: (credentials: ConnectCredentials, nowMs: number) => AuthResult;
  readonly ingest: (message: Message) => Promise<IngestOutcome>;
  readonly twins: TwinBridge;
  readonly methods: MethodBridge;
  readonly c2d: C2dBridge;
  readonly pool: UpstreamPool;
  readonly acks: AckTracker;
  /** The module subscribed to its inputs (or connected with such a session): its input pumps retry now. */
  readonly wakeModuleInputs: (moduleId: string) => void;
  readonly counters: HubCounters;
  readonly log: Logger;
}

/**
 * The edge hub's side of the IoT Hub MQTT surface (reference azure-iot-edge.md §5.3; the protocol is the one the
 * cloud speaks, @verge/iothub-mqtt). Telemetry is routed and persisted before its PUBACK; twin requests go to the
 * twin bridge; method answers complete the forwarded invocation; subscriptions attach the client's upstream link
 * (desired patches, methods, C2D) and wake the module's input pumps.
 *
 * Store full (HUB_STORE_FULL): MQTT 3.1.1 cannot refuse one publish, so the hub sends no PUBACK, logs the refusal
 * and closes the connection. The SDK reconnects with its backoff and publishes again every unacknowledged message
 * in order; nothing of a refused message is stored (the store's `append` is atomic). Keeping the connection instead
 * would leave the SDK waiting 30 s per message with no resend on that connection.
 */
export function createHubBackend(deps: HubBackendDeps): IotHubBackend {
  // Client ids whose upstream link this backend holds: a session taken over by a new connection is held once.
  const held = new Set<string>();
  return {
    authenticate: deps.authenticate,
    connected(session) {
      deps.counters.connects.add(session.identity.deviceId, session.identity.moduleId, '');
      if (!held.has(session.clientId) && deps.pool.hold(session.identity) !== undefined) held.add(session.clientId);
      attach(deps, session, [...session.subscriptions.values()]);
      const link = deps.pool.get(session.identity);
      if (link?.connected === true) deps.twins.linkConnected(link);
    },
    disconnected(session) {
      deps.counters.disconnects.add(session.identity.deviceId, session.identity.moduleId, '');
      if (held.delete(session.clientId)) deps.pool.release(session.identity);
    },
    subscribed(session, granted) {
      attach(deps, session, granted);
    },
    delivered(_conn, tag) {
      deps.acks.acked(tag);
    },
    ingest: (identity, message, conn) => ingest(deps, identity, message, conn),
    twinGet(identity) {
      deps.counters.twinGets.add(identity.deviceId, identity.moduleId, '');
      return deps.twins.get(identity);
    },
    twinPatchReported(identity, patch, conn) {
      const answer = deps.twins.patchReported(identity, patch);
      if (answer.status === 204) {
        deps.counters.reportedPatches.add(identity.deviceId, identity.moduleId, '');
        notifyTwinChange(deps, identity, patch, conn);
      }
      return answer;
    },
    methodResponse: (identity, rid, status, payload) => deps.methods.complete(identity, rid, status, payload),
  };
}

function attach(deps: HubBackendDeps, session: MqttSession, subs: readonly MqttSessionSubscription[]): void {
  for (const s of subs) {
    switch (s.parsed.kind) {
      case 'twinDesiredPatches':
        deps.twins.watchDesired(session.identity);
        break;
      case 'methodRequests':
        deps.methods.watch(session.identity);
        break;
      case 'c2d':
        deps.c2d.watch(session.identity);
        break;
      case 'moduleInputs':
        if (session.identity.moduleId !== undefined) deps.wakeModuleInputs(session.identity.moduleId);
        break;
      case 'twinResponses':
        break;
      default: {
        const never: never = s.parsed;
        throw new Error(`unhandled subscription ${JSON.stringify(never)}`);
      }
    }
  }
}

async function ingest(deps: HubBackendDeps, identity: ClientIdentity, message: Message, conn: MqttConnection): Promise<IngestResult> {
  deps.counters.received += 1;
  const output = message.systemProperties['outputName'] ?? '';
  deps.counters.receivedBySource.add(identity.deviceId, identity.moduleId, output, message.body.byteLength);
  // Acceptance has resumed only when a message received AFTER the last refusal is stored (not an earlier one
  // whose commit merely finished later).
  const refusalsBefore = deps.counters.refusedStoreFull;
  let outcome: IngestOutcome;
  try {
    outcome = await deps.ingest(message);
  } catch (err) {
    return { refused: refusal(deps, conn, err) };
  }
  if (outcome.kind === 'stored' && deps.counters.refusing && deps.counters.refusedStoreFull === refusalsBefore) {
    deps.counters.refusing = false;
    deps.log.info({ client: conn.label }, 'message store accepts messages again');
  }
  if (outcome.kind === 'stored') deps.counters.stored += 1;
  else if (outcome.kind === 'held') deps.counters.heldForRoutes += 1;
  else {
    deps.counters.unrouted += 1;
    deps.counters.unroutedBySource.add(identity.deviceId, identity.moduleId, output);
  }
  return undefined;
}

/** Counts and logs why a message was not stored; returns the reason the connection is closed with. */
function refusal(deps: HubBackendDeps, conn: MqttConnection, err: unknown): string {
  if (isVergeError(err, 'HUB_STORE_FULL') || isVergeError(err, 'HUB_DISK_LOW')) {
    deps.counters.refusedStoreFull += 1;
    // Logged once per episode (the counter keeps the count): a full store refuses every client until space frees.
    if (!deps.counters.refusing) deps.log.warn({ client: conn.label, code: err.code, reason: err.message }, 'message store full: publishes refused without PUBACK; closing the connection so the client sends it again later');
    deps.counters.refusing = true;
    return err.message;
  }
  deps.counters.storeFailures += 1;
  deps.log.error({ err, client: conn.label }, 'message could not be stored: no PUBACK; closing the connection so the client sends it again');
  return 'the message could not be stored';
}

/**
 * Routes a twin change notification for an accepted reported patch (source `/twinChangeNotifications`, reference
 * azure-iot-edge.md §3.2): body `{"properties":{"reported":<patch>}}`, `messageType` twinChangeNotification and the
 * client's connection ids. Best effort: without a matching route nothing happens (not counted as unrouted).
 */
function notifyTwinChange(deps: HubBackendDeps, identity: ClientIdentity, patch: Buffer, conn: MqttConnection): void {
  const systemProperties: Record<string, string> = {
    messageType: 'twinChangeNotification',
    connectionDeviceId: identity.deviceId,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
  };
  if (identity.moduleId !== undefined) systemProperties['connectionModuleId'] = identity.moduleId;
  const body = Buffer.from(`{"properties":{"reported":${patch.toString('utf8')}}}`, 'utf8');
  deps.ingest({ body, properties: {}, systemProperties }).catch((err: unknown) => {
    deps.log.warn({ err, client: conn.label }, 'twin change notification not stored');
  });
}

import { isVergeError, topics, type Message, type TelemetryTopic } from '@verge/contracts';
import type { AuthResult, ConnectCredentials, InboundPublish, IotHubMqttHandler, Logger, MqttConnection, MqttSession, MqttSessionSubscription } from '@verge/platform';
import type { AckTracker } from '../delivery/ack-tracker.js';
import type { HubCounters } from '../hub-counters.js';
import type { C2dBridge } from '../methods/c2d-bridge.js';
import type { MethodBridge } from '../methods/method-bridge.js';
import type { IngestOutcome } from '../routing/ingest.js';
import type { TwinBridge } from '../twin/twin-bridge.js';
import type { TwinAnswerOut } from '../twin/twin-answer.js';
import type { UpstreamPool } from '../upstream/upstream-pool.js';
import { AckSequencers } from './ack-sequencer.js';

/** What the hub's MQTT handler works with. */
export interface HubHandlerDeps {
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
 * The edge hub's side of the IoT Hub MQTT surface (reference azure-iot-edge.md §5.3; the transport is the one the
 * cloud uses, @verge/platform iothub-mqtt). Telemetry is routed and persisted before its PUBACK; twin requests go to
 * the twin bridge; method answers complete the forwarded invocation; subscriptions attach the client's upstream
 * link (desired patches, methods, C2D) and wake the module's input pumps.
 *
 * Store full (HUB_STORE_FULL): MQTT 3.1.1 cannot refuse one publish, so the hub sends no PUBACK, logs the refusal
 * and closes the connection. The SDK reconnects with its backoff and publishes again every unacknowledged message
 * in order; nothing of a refused message is stored (the store's `append` is atomic). Keeping the connection instead
 * would leave the SDK waiting 30 s per message with no resend on that connection.
 */
export function createHubHandler(deps: HubHandlerDeps): IotHubMqttHandler {
  const sequencers = new AckSequencers();
  // Client ids whose upstream link this handler holds: a session taken over by a new connection is held once.
  const held = new Set<string>();
  return {
    authenticate: deps.authenticate,
    connected(session) {
      if (!held.has(session.clientId) && deps.pool.hold(session.identity) !== undefined) held.add(session.clientId);
      attach(deps, session, [...session.subscriptions.values()]);
      const link = deps.pool.get(session.identity);
      if (link?.connected === true) deps.twins.linkConnected(link);
    },
    disconnected(session) {
      if (held.delete(session.clientId)) deps.pool.release(session.identity);
    },
    subscribed(session, granted) {
      attach(deps, session, granted);
    },
    puback(_conn, _packetId, tag) {
      deps.acks.acked(tag);
    },
    publish(p) {
      const topic = p.topic;
      switch (topic.kind) {
        case 'telemetry':
          onTelemetry(deps, sequencers, p, topic);
          return;
        case 'twinGet':
          ackNow(sequencers, p);
          void deps.twins.get(p.identity).then(
            (answer) => respond(p.conn, topic.rid, answer),
            (err: unknown) => deps.log.error({ err, client: p.conn.label }, 'twin GET failed unexpectedly'),
          );
          return;
        case 'twinReportedPatch': {
          ackNow(sequencers, p);
          const answer = deps.twins.patchReported(p.identity, p.payload);
          respond(p.conn, topic.rid, answer);
          if (answer.status === 204) notifyTwinChange(deps, p);
          return;
        }
        case 'methodResponse':
          ackNow(sequencers, p);
          if (!deps.methods.complete(p.identity, topic.rid, topic.status, p.payload)) {
            deps.log.debug({ client: p.conn.label, rid: topic.rid }, 'method response for no pending invocation (late or unknown); ignored');
          }
          return;
        default: {
          const never: never = topic;
          throw new Error(`unhandled topic ${JSON.stringify(never)}`);
        }
      }
    },
  };
}

function attach(deps: HubHandlerDeps, session: MqttSession, subs: readonly MqttSessionSubscription[]): void {
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

function onTelemetry(deps: HubHandlerDeps, sequencers: AckSequencers, p: InboundPublish, topic: TelemetryTopic): void {
  const seq = sequencers.of(p.conn);
  // After a refusal the connection is closing: later publishes are not taken, so the client resends them in order.
  if (seq.refusing) return;
  deps.counters.received += 1;
  // Copy: the payload may be a view into the socket's buffer, which is reused.
  const message: Message = { body: Buffer.from(p.payload), properties: topic.properties, systemProperties: topic.systemProperties };
  const slot = p.qos === 1 ? seq.reserve(p.messageId) : undefined;
  // Acceptance has resumed only when a message received AFTER the last refusal is stored (not an earlier one
  // whose commit merely finished later).
  const refusalsBefore = deps.counters.refusedStoreFull;
  p.conn.holdInbound();
  deps
    .ingest(message)
    .then(
      (outcome) => {
        if (outcome.kind === 'stored' && deps.counters.refusing && deps.counters.refusedStoreFull === refusalsBefore) {
          deps.counters.refusing = false;
          deps.log.info({ client: p.conn.label }, 'message store accepts messages again');
        }
        if (outcome.kind === 'stored') deps.counters.stored += 1;
        else if (outcome.kind === 'held') deps.counters.heldForRoutes += 1;
        else deps.counters.unrouted += 1;
        if (slot !== undefined) seq.ack(slot);
      },
      (err: unknown) => {
        const reason = refusal(deps, p.conn, err);
        if (slot !== undefined) seq.close(slot, reason);
        else p.conn.close(reason, true);
      },
    )
    .finally(() => p.conn.releaseInbound());
}

/** Counts and logs why a message was not stored; returns the reason the connection is closed with. */
function refusal(deps: HubHandlerDeps, conn: MqttConnection, err: unknown): string {
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
function notifyTwinChange(deps: HubHandlerDeps, p: InboundPublish): void {
  const systemProperties: Record<string, string> = {
    messageType: 'twinChangeNotification',
    connectionDeviceId: p.identity.deviceId,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
  };
  if (p.identity.moduleId !== undefined) systemProperties['connectionModuleId'] = p.identity.moduleId;
  const body = Buffer.from(`{"properties":{"reported":${p.payload.toString('utf8')}}}`, 'utf8');
  deps.ingest({ body, properties: {}, systemProperties }).catch((err: unknown) => {
    deps.log.warn({ err, client: p.conn.label }, 'twin change notification not stored');
  });
}

/** Acknowledges a publish that needs no persistence, still after the earlier ones (PUBACK order, MQTT-4.6.0-2). */
function ackNow(sequencers: AckSequencers, p: InboundPublish): void {
  if (p.qos !== 1) return;
  const s = sequencers.of(p.conn);
  s.ack(s.reserve(p.messageId));
}

/** Twin responses go to the requesting connection even without a `$iothub/twin/res/#` subscription (as the cloud). */
function respond(conn: MqttConnection, rid: string, answer: TwinAnswerOut): void {
  conn.publish0(topics.twinResponse(answer.status, rid), Buffer.from(answer.body, 'utf8'));
}

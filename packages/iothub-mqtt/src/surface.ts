import { isVergeError, topics, type Message, type TelemetryTopic } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type { Logger } from '@verge/platform';
import { AckSequencers, type AckSlot } from './ack-sequencer.js';
import type { IngestResult, IotHubBackend, TwinAnswer } from './backend.js';
import type { Connection } from './connection.js';
import type { InboundPublish, IotHubMqttHandler } from './handler.js';
import { twinErrorAnswer } from './twin-answer.js';
import { WILL_MESSAGE_TYPE, type WillMessage } from './will-message.js';

/** Options of {@link createIotHubSurface}. */
export interface SurfaceOptions {
  readonly log: Logger;
  readonly nowMs: () => number;
  /** Names the server in error answers (`see the {serverName} log`). */
  readonly serverName: string;
}

/**
 * The IoT Hub MQTT surface over a backend (azure-sdk-protocol.md §4): dispatches each accepted publish by topic
 * (telemetry, twin GET, twin reported PATCH, method response), answers twin requests on the requesting connection
 * with their `$rid` and status, and sends PUBACKs in arrival order once the backend settled each publish.
 */
export function createIotHubSurface(backend: IotHubBackend, o: SurfaceOptions): IotHubMqttHandler {
  const sequencers = new AckSequencers();
  const ackNow = (p: InboundPublish): void => {
    if (p.qos !== 1) return;
    const s = sequencers.of(p.conn);
    s.ack(s.reserve(p.messageId));
  };
  return {
    authenticate: (credentials, nowMs) => backend.authenticate(credentials, nowMs),
    connected: (session, _conn, present) => backend.connected?.(session, present),
    disconnected: (session) => backend.disconnected?.(session),
    subscribed: (session, granted) => backend.subscribed?.(session, granted),
    puback: (conn, _packetId, tag) => backend.delivered?.(conn, tag),
    will: (identity, conn, will) => sendWill(backend, o, identity, conn, will),
    publish(p) {
      const topic = p.topic;
      switch (topic.kind) {
        case 'telemetry':
          onTelemetry(backend, o, sequencers.of(p.conn), p, topic);
          return;
        case 'twinGet':
          // Desired patches for this client wait until the answer is written (Connection.publishDesiredPatch).
          p.conn.twinGetOpened();
          answerTwin(o, p, topic.rid, () => backend.twinGet(p.identity), ackNow, () => p.conn.twinGetAnswered());
          return;
        case 'twinReportedPatch':
          answerTwin(o, p, topic.rid, () => backend.twinPatchReported(p.identity, p.payload, p.conn), ackNow);
          return;
        case 'methodResponse':
          if (!backend.methodResponse(p.identity, topic.rid, topic.status, p.payload)) {
            o.log.debug({ client: p.conn.label, rid: topic.rid }, 'method response for no pending invocation (late or unknown); ignored');
          }
          ackNow(p);
          return;
        default: {
          const never: never = topic;
          throw new Error(`unhandled topic ${JSON.stringify(never)}`);
        }
      }
    },
  };
}

type Sequencer = ReturnType<AckSequencers['of']>;

/**
 * The application property IoT Hub and IoT Edge add to telemetry published with the MQTT RETAIN flag (value `true`;
 * EH's `RetainPropertyName`, reference azure-iot-edge.md §5.4): there are no retained messages, the flag travels
 * with the message instead of being lost.
 */
const RETAIN_PROPERTY = 'mqtt-retain';

/** `properties`, with `mqtt-retain=true` added (to a copy: a parsed topic may be cached) when `retain`. */
function withRetain(properties: Readonly<Record<string, string>>, retain: boolean): Readonly<Record<string, string>> {
  return retain ? { ...properties, [RETAIN_PROPERTY]: 'true' } : properties;
}

/**
 * Sends the will of a connection that ended without DISCONNECT as the client's telemetry, marked
 * `iothub-MessageType=Will` (IoT Hub's will messages). Nobody can resend it: a refusal or failure is logged.
 */
function sendWill(backend: IotHubBackend, o: SurfaceOptions, identity: ClientIdentity, conn: Connection, will: WillMessage): void {
  const properties = { ...withRetain(will.topic.properties, will.retain), [WILL_MESSAGE_TYPE.name]: WILL_MESSAGE_TYPE.value };
  const message: Message = { body: will.payload, properties, systemProperties: will.topic.systemProperties };
  const lost = (reason: unknown): void => o.log.warn({ client: conn.label, reason }, 'will message could not be taken; it is lost');
  const settled = (r: IngestResult): void => {
    if (r !== undefined) lost(r.refused);
  };
  try {
    const result = backend.ingest(identity, message, conn);
    if (result instanceof Promise) result.then(settled, lost);
    else settled(result);
  } catch (err) {
    lost(err);
  }
}

function onTelemetry(backend: IotHubBackend, o: SurfaceOptions, seq: Sequencer, p: InboundPublish, topic: TelemetryTopic): void {
  // After a refusal the connection is closing: later publishes are not taken, so the client resends them in order.
  if (seq.refusing) return;
  // Copy: the payload may be a view into the stream's buffer, and the backend may keep the message.
  const message: Message = { body: Buffer.from(p.payload), properties: withRetain(topic.properties, p.retain), systemProperties: topic.systemProperties };
  const slot = p.qos === 1 ? seq.reserve(p.messageId) : undefined;
  const conn = p.conn;
  let result: IngestResult | Promise<IngestResult>;
  try {
    result = backend.ingest(p.identity, message, conn);
  } catch (err) {
    ingestFailed(o, seq, slot, conn, err);
    return;
  }
  if (!(result instanceof Promise)) {
    settleIngest(seq, slot, conn, result);
    return;
  }
  conn.holdInbound();
  // One reaction per message, not `then(…).finally(…)`, and its two callbacks the only closures of the message:
  // released after settling, whatever settling does.
  result.then(
    (r) => {
      try {
        settleIngest(seq, slot, conn, r);
      } finally {
        conn.releaseInbound();
      }
    },
    (err: unknown) => {
      try {
        ingestFailed(o, seq, slot, conn, err);
      } finally {
        conn.releaseInbound();
      }
    },
  );
}

/** PUBACK in turn for a taken message (QoS 1); a refusal closes the connection after the earlier PUBACKs. */
function settleIngest(seq: Sequencer, slot: AckSlot | undefined, conn: Connection, result: IngestResult): void {
  if (result !== undefined) {
    if (slot !== undefined) seq.close(slot, result.refused);
    else conn.close(result.refused, true);
  } else if (slot !== undefined) seq.ack(slot);
}

function ingestFailed(o: SurfaceOptions, seq: Sequencer, slot: AckSlot | undefined, conn: Connection, err: unknown): void {
  o.log.error({ err, client: conn.label }, 'message could not be taken: no PUBACK; closing the connection so the client sends it again');
  settleIngest(seq, slot, conn, { refused: 'the message could not be stored' });
}

/**
 * Twin answers go to the requesting connection even without a `$iothub/twin/res/#` subscription: a client whose
 * session was lost never hangs on a request (the SDK never re-subscribes, azure-sdk-protocol.md §0.3). An answer the
 * backend has at once goes out before the PUBACK; one that takes a round trip (the hub asking the cloud) does not
 * hold up the PUBACKs of later publishes.
 */
function answerTwin(
  o: SurfaceOptions,
  p: InboundPublish,
  rid: string,
  ask: () => TwinAnswer | Promise<TwinAnswer>,
  ackNow: (p: InboundPublish) => void,
  answered: () => void = () => undefined,
): void {
  const failed = (err: unknown): TwinAnswer => {
    // A VergeError is an answer (a bad patch, an unknown twin); anything else is a defect worth the log.
    if (!isVergeError(err)) o.log.error({ err, client: p.conn.label }, 'twin request failed');
    return twinErrorAnswer(err, o.nowMs(), o.serverName);
  };
  let answer: TwinAnswer | Promise<TwinAnswer>;
  try {
    answer = ask();
  } catch (err) {
    answer = failed(err);
  }
  if (answer instanceof Promise) {
    ackNow(p);
    void answer.catch(failed).then((a) => {
      respond(p.conn, rid, a);
      answered();
    });
    return;
  }
  respond(p.conn, rid, answer);
  answered();
  ackNow(p);
}

function respond(conn: Connection, rid: string, answer: TwinAnswer): void {
  conn.publish0(topics.twinResponse(answer.status, rid, answer.version), Buffer.from(answer.body, 'utf8'));
}

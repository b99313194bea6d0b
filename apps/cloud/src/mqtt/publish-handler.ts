import { VergeError, isVergeError, topics } from '@verge/contracts';
import type { Message, TelemetryTopic, TwinGetTopic, TwinReportedPatchTopic } from '@verge/contracts';
import type { InboundPublish } from '@verge/platform';
import type { IdentityRef } from '../services/types.js';
import type { Connection } from './connection.js';
import type { EndpointContext } from './endpoint-context.js';

/**
 * An accepted PUBLISH (azure-sdk-protocol.md §4). The shared transport already refused what IoT Hub refuses by
 * closing the connection without PUBACK (QoS 2, a topic that is malformed or not the client's own, a body over
 * 256 KiB). Telemetry is PUBACKed only after the services persisted it.
 */
export function handlePublish(ctx: EndpointContext, p: InboundPublish): void {
  const { conn, identity, topic, payload } = p;
  switch (topic.kind) {
    case 'telemetry':
      if (!ingest(ctx, conn, topic, payload)) return;
      break;
    case 'twinGet':
      answerTwinGet(ctx, conn, identity, topic);
      break;
    case 'twinReportedPatch':
      answerReportedPatch(ctx, conn, identity, topic, payload);
      break;
    case 'methodResponse':
      if (!ctx.methods.complete(identity, topic.rid, topic.status, payload)) {
        ctx.log.debug({ client: conn.label, rid: topic.rid }, 'method response for no pending invocation (late or unknown); ignored');
      }
      break;
    default: {
      const never: never = topic;
      throw new Error(`unhandled topic ${JSON.stringify(never)}`);
    }
  }
  if (p.qos === 1) conn.puback(p.messageId);
}

function ingest(ctx: EndpointContext, conn: Connection, topic: TelemetryTopic, body: Buffer): boolean {
  const message: Message = {
    body,
    properties: topic.properties,
    systemProperties: { ...topic.systemProperties, enqueuedTime: new Date(ctx.nowMs()).toISOString() },
  };
  try {
    ctx.services.ingestTelemetry(message);
    return true;
  } catch (err) {
    // Not persisted: no PUBACK, and the connection closes so the SDK resends after reconnecting.
    ctx.log.error({ err, client: conn.label }, 'telemetry could not be stored; closing the client without PUBACK');
    conn.close('telemetry could not be stored');
    return false;
  }
}

function answerTwinGet(ctx: EndpointContext, conn: Connection, identity: IdentityRef, topic: TwinGetTopic): void {
  try {
    const twin = ctx.services.getTwinProperties(identity);
    // Never an empty body: the SDK crashes on one (reference §0.4).
    respond(conn, topics.twinResponse(200, topic.rid), JSON.stringify({ desired: twin.desired, reported: twin.reported }));
  } catch (err) {
    respondError(ctx, conn, topic.rid, err);
  }
}

function answerReportedPatch(ctx: EndpointContext, conn: Connection, identity: IdentityRef, topic: TwinReportedPatchTopic, payload: Buffer): void {
  try {
    const patch = parseJson(payload);
    const version = ctx.services.patchReported(identity, patch);
    respond(conn, topics.twinResponse(204, topic.rid, version), '');
  } catch (err) {
    respondError(ctx, conn, topic.rid, err);
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch (cause) {
    throw new VergeError('TWIN_PATCH_INVALID', `reported properties patch is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Twin errors travel as a JSON body with `errorCode` and `message` (the SDK fails the call with `message`; it
 * ignores the status in the topic, reference §0.4); the topic still carries the HTTP status.
 */
function respondError(ctx: EndpointContext, conn: Connection, rid: string, err: unknown): void {
  const known = isVergeError(err);
  if (!known) ctx.log.error({ err, client: conn.label }, 'twin request failed');
  const status = known ? err.status : 500;
  const body = {
    errorCode: known ? err.code : 'INTERNAL_ERROR',
    message: known ? err.message : 'internal error; see the cloud log',
    timestampUtc: new Date(ctx.nowMs()).toISOString(),
  };
  respond(conn, topics.twinResponse(status, rid), JSON.stringify(body));
}

/** Twin responses go to the requesting connection even without a `$iothub/twin/res/#` subscription (see index.ts). */
function respond(conn: Connection, topic: string, body: string): void {
  conn.send({ cmd: 'publish', topic, payload: Buffer.from(body, 'utf8'), qos: 0, dup: false, retain: false });
}


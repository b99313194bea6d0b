import type { Message } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type { AuthResult, ConnectCredentials } from './authenticate.js';
import type { Connection } from './connection.js';
import type { Session, SessionSubscription } from './session-registry.js';

/** A twin answer on `$iothub/twin/res/{status}/?$rid={rid}[&$version={version}]` (azure-sdk-protocol.md §4). */
export interface TwinAnswer {
  /** HTTP status: 200 for a GET, 204 for an accepted reported patch, the error's status otherwise. */
  readonly status: number;
  /** JSON text; never empty for a GET (an empty body crashes the SDK, reference §0.4); empty for a 204. */
  readonly body: string;
  /** The new reported version of an accepted patch (`$version` in the topic). */
  readonly version?: number;
}

/** A telemetry message the backend did not take: no PUBACK, and the connection closes with `refused` as the reason. */
export interface IngestRefusal {
  readonly refused: string;
}

/** What `ingest` may return: nothing (taken) or a refusal, now or once a promise settles. */
export type IngestResult = void | IngestRefusal;

/**
 * The port a server of the IoT Hub MQTT surface calls: the cloud's device endpoint and the edge hub each implement
 * it. The surface does the protocol (topic dispatch, `$rid` answers, status codes, PUBACK order and backpressure);
 * the backend decides who may connect and what a message, a twin request or a method answer does.
 *
 * Any hook may throw: a failure closes only that client (and is logged). Hooks that return a promise are awaited
 * without holding up other clients.
 */
export interface IotHubBackend {
  /**
   * Decides a CONNECT: at once (the edge hub, from data it holds) or with a promise (the cloud, from its database).
   * While a promise is pending the connection reads nothing more; packets the client sent after CONNECT are
   * processed in order after the CONNACK. A connection that closes meanwhile drops the result (no CONNACK, no
   * `connected`). A rejection (or a throw) refuses the CONNECT with CONNACK 3 (server unavailable). Pending
   * decisions count against `maxPendingHandshakes`, also after their connection closed, until they settle.
   */
  authenticate(credentials: ConnectCredentials, nowMs: number): AuthResult | Promise<AuthResult>;
  /** CONNACK 0 was sent; `sessionPresent` as in CONNACK. */
  connected?(session: Session, sessionPresent: boolean): void;
  /** The session's connection ended (not called for a connection whose session another connection took over). */
  disconnected?(session: Session): void;
  /** Filters were granted to the session (new or replaced): deliveries it now subscribes to may start. */
  subscribed?(session: Session, granted: readonly SessionSubscription[]): void;
  /**
   * A telemetry message (device-to-cloud or module output; its body is the backend's to keep). For QoS 1 the PUBACK
   * goes out once the result settles as taken, in the order the publishes arrived (MQTT-4.6.0-2). A refusal, or a
   * failure, sends no PUBACK and closes the connection after the earlier PUBACKs; later publishes of that
   * connection are not taken, so the client resends them in order after reconnecting. While a promise is pending
   * the publish counts against `maxPendingInboundAcks` (the socket stops being read beyond it).
   */
  ingest(identity: ClientIdentity, message: Message, conn: Connection): IngestResult | Promise<IngestResult>;
  /** Twin GET: `{"desired":…,"reported":…}` with 200, or an error answer. A throw becomes an error answer. */
  twinGet(identity: ClientIdentity): TwinAnswer | Promise<TwinAnswer>;
  /** Twin reported-properties PATCH (the raw body): 204 with the new version, or an error answer. */
  twinPatchReported(identity: ClientIdentity, patch: Buffer, conn: Connection): TwinAnswer | Promise<TwinAnswer>;
  /** A method answer for request `rid`; false when no invocation waits for it (late or unknown: logged, ignored). */
  methodResponse(identity: ClientIdentity, rid: string, status: number, payload: Buffer): boolean;
  /** The client acknowledged a QoS 1 delivery (C2D, module input) that `conn.publish1` sent with `tag`. */
  delivered?(conn: Connection, tag: string): void;
}

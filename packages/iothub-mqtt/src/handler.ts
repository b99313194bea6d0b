import type { InboundTopic } from '@verge/contracts';
import type { ClientIdentity } from '@verge/core';
import type { AuthResult, ConnectCredentials } from './authenticate.js';
import type { Connection } from './connection.js';
import type { Session, SessionSubscription } from './session-registry.js';
import type { WillMessage } from './will-message.js';

/** An accepted PUBLISH: QoS 0 or 1, a topic of the IoT Hub surface the client may publish to, within the limits. */
export interface InboundPublish {
  readonly conn: Connection;
  readonly session: Session;
  readonly identity: ClientIdentity;
  readonly topic: InboundTopic;
  readonly payload: Buffer;
  readonly qos: 0 | 1;
  /** The packet id (QoS 1), for `conn.puback`. */
  readonly messageId: number;
  readonly retain: boolean;
}

/**
 * The packet-level hooks of the transport (internal: the surface, `surface.ts`, implements them over an
 * `IotHubBackend`). The transport does framing, TLS, CONNECT (protocol level, take-over, limits, keep-alive),
 * sessions, SUBSCRIBE/UNSUBSCRIBE authorization and the checks every PUBLISH needs. A hook that throws closes only
 * that client (and is logged).
 */
export interface IotHubMqttHandler {
  /** Decides a CONNECT, at once or with a promise (see `IotHubBackend.authenticate`). */
  authenticate(credentials: ConnectCredentials, nowMs: number): AuthResult | Promise<AuthResult>;
  /** CONNACK 0 was sent on `conn`. */
  connected?(session: Session, conn: Connection, sessionPresent: boolean): void;
  /** The connection of `session` ended (not called for a connection whose session another connection took over). */
  disconnected?(session: Session, conn: Connection): void;
  /**
   * A publish to answer. For QoS 1 the handler sends PUBACK (`conn.puback(messageId)`) once it has accepted the
   * message (e.g. persisted it); it may hold the publish asynchronously (`conn.holdInbound`) to apply backpressure.
   */
  publish(publish: InboundPublish): void;
  /** Filters were granted to `session` (new or replaced). */
  subscribed?(session: Session, granted: readonly SessionSubscription[]): void;
  /** The client acknowledged the QoS 1 publish `packetId` that `conn.publish1` sent with `tag`. */
  puback?(conn: Connection, packetId: number, tag: string): void;
  /** The connection of `identity` ended without DISCONNECT while the server runs: its CONNECT's will is to be sent. */
  will?(identity: ClientIdentity, conn: Connection, will: WillMessage): void;
}

/** Tunables of an IoT Hub MQTT server. Units are in the names. */
export interface IotHubMqttLimits {
  /** Largest telemetry body accepted (IoT Hub and edgeHub: 256 KiB); a larger one closes the connection. */
  readonly maxTelemetryBytes: number;
  /** Largest MQTT packet read into memory before it is refused (telemetry body + topic + headers). */
  readonly maxPacketBytes: number;
  /** Largest packet accepted before CONNECT succeeded (a CONNECT carries an id, a user name and a token). */
  readonly maxConnectPacketBytes: number;
  /**
   * Sockets accepted but not yet through CONNACK (TLS handshake, waiting for CONNECT, or for the backend to decide
   * it); more are refused at once. A CONNECT the backend decides asynchronously keeps its slot until the decision
   * settles, even if its socket closed meanwhile, so pending lookups never exceed this number.
   */
  readonly maxPendingHandshakes: number;
  /**
   * The share of `maxPendingHandshakes` one remote address may hold (IPv6: one /64, what one host usually gets);
   * more sockets from it are refused at once, so one address cannot lock every other client out. Loopback is an
   * address like any other: a test or benchmark that opens many sockets from 127.0.0.1 raises this.
   */
  readonly maxPendingHandshakesPerAddress: number;
  /** Connected clients at most; further CONNECTs get CONNACK 3 (server unavailable). */
  readonly maxConnections: number;
  /**
   * Connected clients from one remote address (IPv6: one /64); further CONNECTs from it get CONNACK 3. Devices behind
   * one NAT share an address: raise it for such fleets.
   */
  readonly maxConnectionsPerAddress: number;
  /** A socket that has sent no byte at all (not even a TLS ClientHello) is closed after this time. */
  readonly silentSocketTimeoutMs: number;
  /** TLS handshake must finish within this time. */
  readonly tlsHandshakeTimeoutMs: number;
  /** CONNECT must arrive within this time after the TLS handshake (clients send it at once). */
  readonly connectTimeoutMs: number;
  /** Keep-alive used when a client asks for 0 (none) and the upper bound for any request (IoT Hub: 1177 s). */
  readonly maxKeepAliveSec: number;
  /** A client is dropped after keep-alive × this factor without a packet (MQTT-3.1.2-24: 1.5). */
  readonly keepAliveGraceFactor: number;
  /** How often keep-alive and CONNECT timeouts are checked. */
  readonly sweepIntervalMs: number;
  /** Bytes queued towards a client that does not read; beyond, the client is dropped so it cannot hold memory. */
  readonly maxWriteBufferBytes: number;
  /** Unacknowledged QoS 1 publishes in flight towards one client. */
  readonly maxInflightToClient: number;
  /** Subscriptions per session (the IoT Hub surface has five filters); filters beyond get SUBACK 0x80. */
  readonly maxSubscriptionsPerSession: number;
  /** Filters in one SUBSCRIBE or UNSUBSCRIBE packet; a packet with more closes the connection (the SDK sends one). */
  readonly maxFiltersPerPacket: number;
  /**
   * Inbound QoS 1 publishes a handler may hold unacknowledged (e.g. while persisting them) before the server
   * stops reading from that client's socket until some are acknowledged (edgeHub: max pending inbound acks 16).
   */
  readonly maxPendingInboundAcks: number;
}

/** Defaults; each can be overridden per server. */
export const defaultIotHubMqttLimits: IotHubMqttLimits = {
  maxTelemetryBytes: 256 * 1024,
  maxPacketBytes: 256 * 1024 + 65_536 + 16, // body + the longest possible topic + fixed/variable headers
  maxConnectPacketBytes: 16 * 1024,
  maxPendingHandshakes: 512,
  maxPendingHandshakesPerAddress: 64,
  maxConnections: 100_000,
  maxConnectionsPerAddress: 1000,
  silentSocketTimeoutMs: 3000,
  tlsHandshakeTimeoutMs: 10_000,
  connectTimeoutMs: 5000,
  maxKeepAliveSec: 1177,
  keepAliveGraceFactor: 1.5,
  sweepIntervalMs: 1000,
  maxWriteBufferBytes: 4 * 1024 * 1024,
  maxInflightToClient: 10,
  maxSubscriptionsPerSession: 16,
  maxFiltersPerPacket: 16,
  maxPendingInboundAcks: 64,
};

/** Tunables of the device endpoint. Units are in the names. */
export interface DeviceEndpointLimits {
  /** Largest telemetry body accepted (IoT Hub: 256 KiB); a larger one closes the connection. */
  readonly maxTelemetryBytes: number;
  /** Largest MQTT packet read into memory before it is refused (telemetry body + topic + headers). */
  readonly maxPacketBytes: number;
  /** Largest packet accepted before CONNECT succeeded (a CONNECT carries an id, a user name and a token). */
  readonly maxConnectPacketBytes: number;
  /** Sockets accepted but not yet through CONNACK (TLS handshake or waiting for CONNECT); more are refused at once. */
  readonly maxPendingHandshakes: number;
  /** Connected clients at most; further CONNECTs get CONNACK 3 (server unavailable). */
  readonly maxConnections: number;
  /** TLS handshake must finish within this time. */
  readonly tlsHandshakeTimeoutMs: number;
  /** CONNECT must arrive within this time after the TLS handshake. */
  readonly connectTimeoutMs: number;
  /** Keep-alive used when a client asks for 0 (none) and the upper bound for any request (IoT Hub: 1177 s). */
  readonly maxKeepAliveSec: number;
  /** A client is dropped after keep-alive × this factor without a packet (MQTT-3.1.2-24: 1.5). */
  readonly keepAliveGraceFactor: number;
  /** How often keep-alive and CONNECT timeouts are checked. */
  readonly sweepIntervalMs: number;
  /** Bytes queued towards a client that does not read; beyond, the client is dropped so it cannot hold memory. */
  readonly maxWriteBufferBytes: number;
  /** Unacknowledged cloud-to-device messages in flight per device. */
  readonly maxInflightC2d: number;
  /** Subscriptions per session (the IoT Hub surface has five filters). */
  readonly maxSubscriptionsPerSession: number;
}

/** Defaults; each can be overridden through `createDeviceEndpoint({ limits })`. */
export const defaultDeviceEndpointLimits: DeviceEndpointLimits = {
  maxTelemetryBytes: 256 * 1024,
  maxPacketBytes: 256 * 1024 + 65_536 + 16, // body + the longest possible topic + fixed/variable headers
  maxConnectPacketBytes: 16 * 1024,
  maxPendingHandshakes: 512,
  maxConnections: 100_000,
  tlsHandshakeTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  maxKeepAliveSec: 1177,
  keepAliveGraceFactor: 1.5,
  sweepIntervalMs: 1000,
  maxWriteBufferBytes: 4 * 1024 * 1024,
  maxInflightC2d: 10,
  maxSubscriptionsPerSession: 16,
};

/**
 * Headers of a telemetry message on `<p>.telemetry.<device>[.<module>]` (docs/scale-out/nats-bus.md); the NATS payload is
 * the message body, untouched.
 */
export const TELEMETRY_HEADERS = {
  deviceId: 'Verge-Device-Id',
  /** Absent for a device's own messages. */
  moduleId: 'Verge-Module-Id',
  /** The store's sequence number (strictly increasing; also the JetStream `Nats-Msg-Id`, so resends are deduplicated). */
  sequenceNumber: 'Verge-Sequence-Number',
  /** ISO 8601, when the cloud stored the message. */
  enqueuedTime: 'Verge-Enqueued-Time',
  /** JSON object of the application properties (string values). */
  properties: 'Verge-Properties',
  /** JSON object of the system properties (messageId, correlationId, contentType, connectionDeviceId, …). */
  systemProperties: 'Verge-System-Properties',
} as const;

import type { Connection } from './connection.js';
import type { IotHubMqttLimits } from './limits.js';

/**
 * One pass over all sockets (every `sweepIntervalMs`; one timer for all clients instead of one per client):
 * silent sockets (not a byte since accept: idle sockets held open to exhaust the handshake slots), TLS handshake timeout, CONNECT timeout (connect floods), keep-alive (MQTT-3.1.2-24: 1.5 × the client's value
 * without a packet) and SAS token expiry (IoT Hub closes a connection whose token expired; the SDK renews before).
 */
export function sweepConnections(connections: Iterable<Connection>, limits: IotHubMqttLimits, nowMs: number): void {
  for (const conn of connections) {
    if (conn.closing) continue;
    switch (conn.state) {
      case 'handshake':
        if (conn.receivedBytes === 0 && nowMs - conn.acceptedAtMs > limits.silentSocketTimeoutMs) conn.close(`no byte received within ${limits.silentSocketTimeoutMs} ms`);
        else if (nowMs - conn.acceptedAtMs > limits.tlsHandshakeTimeoutMs) conn.close(`TLS handshake not finished within ${limits.tlsHandshakeTimeoutMs} ms`);
        break;
      case 'awaitingConnect':
        if (nowMs - conn.secureAtMs > limits.connectTimeoutMs) conn.close(`no CONNECT within ${limits.connectTimeoutMs} ms`);
        break;
      case 'connected':
        if (nowMs - conn.lastPacketMs > conn.idleLimitMs) conn.close(`keep-alive expired: no packet for ${nowMs - conn.lastPacketMs} ms`);
        else if (conn.validUntilMs !== undefined && nowMs > conn.validUntilMs) conn.close('the SAS token of the connection expired');
        break;
      case 'closed':
        break;
      default: {
        const never: never = conn.state;
        throw new Error(`unknown connection state ${String(never)}`);
      }
    }
  }
}

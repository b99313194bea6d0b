import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import type { Logger } from '../log/index.js';
import { peerCertificateOf, type TlsPeerCertificate } from '../pki/peer-certificate.js';

/** The path IoT Hub serves MQTT over WebSockets on (the SDK's `MqttWs`: `wss://{host}:443/$iothub/websocket`). */
export const IOT_HUB_WEBSOCKET_PATH = '/$iothub/websocket';
/** The WebSocket subprotocol of MQTT 3.1.1 (MQTT §6). */
export const MQTT_WEBSOCKET_PROTOCOL = 'mqtt';

/**
 * Where a connection came from, for the MQTT server's admission limits, logs and SAS audiences (the shape of
 * `@verge/iothub-mqtt`'s `StreamMeta`).
 */
export interface MqttWebSocketMeta {
  readonly transport: 'ws';
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** The HTTPS port the client connected to (a user name or SAS audience may name `host:port`). */
  readonly localPort: number | undefined;
  /**
   * The client certificate of the HTTPS connection (X.509 devices over WebSockets, as on IoT Hub's port 443); the
   * HTTPS server must request one (`OPTIONAL_CLIENT_CERTIFICATE`).
   */
  readonly peerCertificate: TlsPeerCertificate | undefined;
}

/** Takes one MQTT byte stream (the WebSocket's binary frames as a Duplex) into an MQTT server. */
export type MqttStreamEntry = (stream: Duplex, meta: MqttWebSocketMeta) => void;

/** Options of {@link createMqttWebSocketUpgrade}. */
export interface MqttWebSocketUpgradeOptions {
  readonly entry: MqttStreamEntry;
  readonly log: Logger;
  /** Largest WebSocket frame accepted (the MQTT server bounds packets itself; this bounds a frame). */
  readonly maxFrameBytes?: number;
}

/** Serves the `upgrade` event of an HTTPS server: MQTT over WebSockets on {@link IOT_HUB_WEBSOCKET_PATH}. */
export interface MqttWebSocketUpgrade {
  /** True when the upgrade request is for MQTT over WebSockets (the caller answers other paths itself). */
  matches(req: IncomingMessage): boolean;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every WebSocket this upgrade opened. */
  close(): void;
}

/**
 * MQTT over WebSockets (IoT Hub, edgeHub port 443) with `ws`: the request must ask for subprotocol `mqtt` (else
 * 400), the accepted WebSocket becomes a Duplex of the MQTT byte stream (`createWebSocketStream`) and goes to
 * `entry`, which runs MQTT on it exactly as on a TLS socket (TLS ended at the HTTPS server).
 */
export function createMqttWebSocketUpgrade(o: MqttWebSocketUpgradeOptions): MqttWebSocketUpgrade {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxFrameBytes ?? 1024 * 1024,
    // Compression buys little for MQTT frames and costs memory per connection.
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(MQTT_WEBSOCKET_PROTOCOL) ? MQTT_WEBSOCKET_PROTOCOL : false),
  });
  return {
    matches: (req) => webSocketPath(req) === IOT_HUB_WEBSOCKET_PATH,
    handleUpgrade(req, socket, head) {
      if (!offeredWebSocketProtocols(req).includes(MQTT_WEBSOCKET_PROTOCOL)) {
        refuse(socket, 400, `the WebSocket subprotocol must be '${MQTT_WEBSOCKET_PROTOCOL}'`);
        return;
      }
      socket.on('error', () => undefined); // reported through the WebSocket stream, which owns the close
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', (err) => o.log.debug({ err, remoteAddress: req.socket.remoteAddress }, 'MQTT WebSocket stream error'));
        const peerCertificate = req.socket instanceof TLSSocket ? peerCertificateOf(req.socket) : undefined;
        o.entry(stream, { transport: 'ws', remoteAddress: req.socket.remoteAddress, remotePort: req.socket.remotePort, localPort: req.socket.localPort, peerCertificate });
      });
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
export function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ message });
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Bad Request'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** The subprotocols an upgrade request offers (`Sec-WebSocket-Protocol`). */
export function offeredWebSocketProtocols(req: IncomingMessage): string[] {
  return String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
}

/** The decoded path of an upgrade request: the SDK's URL holds `$` as is; a client may percent-encode it. */
export function webSocketPath(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

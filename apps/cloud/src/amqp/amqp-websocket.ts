import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { IOT_HUB_WEBSOCKET_PATH, offeredWebSocketProtocols, webSocketPath } from '@verge/platform';

/** The WebSocket subprotocol of AMQP 1.0 over WebSockets, what azure-iothub's `AmqpWs` asks for. */
export const AMQP_WEBSOCKET_PROTOCOL = 'AMQPWSB10';

/** Serves upgrades to AMQP over WebSockets on the HTTPS listener. */
export interface AmqpWebSocketUpgrade {
  /** True for IoT Hub's WebSocket path with subprotocol AMQPWSB10 (MQTT asks for `mqtt` on the same path). */
  matches(req: IncomingMessage): boolean;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

/**
 * AMQP over WebSockets as IoT Hub serves it (`wss://{host}:443/$iothub/websocket`, subprotocol AMQPWSB10; the SDK's
 * `AmqpWs` for service clients behind firewalls that pass only 443): each accepted WebSocket goes to `accept`
 * (the AMQP endpoint, which treats it as a TLS connection: the same put-token, nodes and limits).
 */
export function createAmqpWebSocketUpgrade(accept: (ws: WebSocket) => void, maxFrameBytes = 1024 * 1024): AmqpWebSocketUpgrade {
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes, perMessageDeflate: false, handleProtocols: (protocols) => (protocols.has(AMQP_WEBSOCKET_PROTOCOL) ? AMQP_WEBSOCKET_PROTOCOL : false) });
  return {
    matches: (req) => webSocketPath(req) === IOT_HUB_WEBSOCKET_PATH && offeredWebSocketProtocols(req).includes(AMQP_WEBSOCKET_PROTOCOL),
    handleUpgrade(req, socket, head) {
      socket.on('error', () => undefined); // the AMQP connection reports and owns the close
      wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { ServiceApp } from './http/app.js';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { VergeError } from '@verge/contracts';
import { createMqttWebSocketUpgrade, refuse, type Logger, type MqttStreamEntry } from '@verge/platform';
import type { AmqpEndpoint } from './amqp/amqp-endpoint.js';
import { createAmqpWebSocketUpgrade } from './amqp/amqp-websocket.js';

/** Wraps a bind failure into CLD_LISTEN_FAILED naming the listener and address. */
export function listenError(listener: string, host: string, port: number, e: unknown): VergeError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'binding it is not permitted' : (e as Error).message;
  return new VergeError('CLD_LISTEN_FAILED', `${listener} listener cannot bind ${host}:${port}: ${why}`, {
    details: { listener, host, port, ...(code === undefined ? {} : { errno: code }) },
    cause: e,
  });
}

/** Listens on `host:port` (0 = any free port) and resolves with the bound port. */
export function listenOn(server: HttpServer, listener: string, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (e: Error): void => reject(listenError(listener, host, port, e));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * WebSockets on the HTTPS listener at IoT Hub's `wss://{host}:443/$iothub/websocket`: subprotocol AMQPWSB10 (the
 * service SDK's `AmqpWs`) goes to `amqp` when the cloud serves AMQP, anything else there is MQTT (subprotocol `mqtt`,
 * the device SDK's `MqttWs`) for `entry` (the device endpoint); other paths are answered 404. The WebSockets close
 * with the server.
 */
export function serveWebSockets(server: HttpServer, entry: MqttStreamEntry, amqp: AmqpEndpoint | undefined, log: Logger): void {
  const ws = createMqttWebSocketUpgrade({ entry, log: log.child({ component: 'mqtt-ws' }) });
  const amqpWs = amqp === undefined ? undefined : createAmqpWebSocketUpgrade((socket) => amqp.acceptWebSocket(socket));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (amqpWs?.matches(req) === true) amqpWs.handleUpgrade(req, socket, head);
    else if (ws.matches(req)) ws.handleUpgrade(req, socket, head);
    else refuse(socket, 404, `no WebSocket endpoint at ${req.url ?? '?'}; MQTT and AMQP over WebSockets are at /$iothub/websocket`);
  });
  server.on('close', () => {
    ws.close();
    amqpWs?.close();
  });
}

/** How long in-flight HTTP requests may take to finish at shutdown before their sockets are closed anyway. */
export const HTTP_CLOSE_GRACE_MS = 5_000;

/**
 * Closes the API on both listeners: stops accepting, ends event streams (the app's preClose), lets requests in
 * flight finish (up to `graceMs`, default HTTP_CLOSE_GRACE_MS), then closes every socket still open. Waiting for
 * sockets without a request would otherwise take as long as the client's keep-alive (idle sockets a client opened
 * but never used are not "idle" to Node's closeIdleConnections).
 */
export async function closeHttp(api: ServiceApp, https: HttpServer | undefined, graceMs = HTTP_CLOSE_GRACE_MS): Promise<void> {
  const servers = [api.app.server, ...(https === undefined ? [] : [https])];
  let done = false;
  const closing = Promise.all([
    api.app.close(),
    https === undefined || !https.listening ? undefined : new Promise<void>((resolve) => https.close(() => resolve())),
  ]).finally(() => (done = true));
  const deadline = Date.now() + graceMs;
  while (!done) {
    if (api.inFlight() === 0 || Date.now() >= deadline) for (const s of servers) s.closeAllConnections();
    await Promise.race([closing, new Promise((r) => setTimeout(r, 25))]);
  }
  await closing;
}

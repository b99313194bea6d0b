import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { MAX_METHOD_PAYLOAD_BYTES, VergeError } from '@verge/contracts';
import { addressKey, type IotHubMqttLimits } from '@verge/iothub-mqtt';
import { OPTIONAL_CLIENT_CERTIFICATE, createMqttWebSocketUpgrade, refuse, type Logger, type MqttStreamEntry, type MqttWebSocketUpgrade } from '@verge/platform';
import { answerMethodCall, type MethodEndpointDeps, type MethodHttpAnswer } from './method-endpoint.js';
import { matchMethodRoute, methodErrorAnswer } from './method-request.js';

/** IoT Hub's limit on a direct method's payload (checked by the body's schema) plus room for the other fields. */
const MAX_BODY_BYTES = MAX_METHOD_PAYLOAD_BYTES + 8 * 1024;

/** TLS material of the listener: the hub's server certificate (the same as its MQTT listener's). */
export interface HubHttpsTls {
  readonly key: string;
  readonly cert: string;
}

/** Options of {@link HubHttpsListener}. */
export interface HubHttpsListenerOptions {
  readonly host: string;
  /** 443 by default (the SDK dials 443, fixed); 0 picks a free port (tests). */
  readonly port: number;
  readonly tls: HubHttpsTls;
  readonly log: Logger;
  readonly methods: MethodEndpointDeps;
  /** MQTT over WebSockets: where the WebSocket's byte stream goes (the hub's MQTT server). */
  readonly mqtt: MqttStreamEntry;
  /**
   * The MQTT server's limits, which hold here too (this port is a second way in to the same server): a TLS
   * handshake must end within `tlsHandshakeTimeoutMs`, and one remote address holds at most
   * `maxConnectionsPerAddress` connections (IPv6: one /64).
   */
  readonly limits: Pick<IotHubMqttLimits, 'tlsHandshakeTimeoutMs' | 'maxConnectionsPerAddress'>;
}

/**
 * The edge hub's HTTPS port (edgeHub's 443, reference azure-iot-edge.md §5.1): direct methods from modules to
 * modules and leaves (`POST /twins/{d}[/modules/{m}]/methods`, the SDK's `ModuleClient.invokeMethod`) and MQTT
 * over WebSockets (`/$iothub/websocket`, the SDK's `MqttWs`). TLS with the hub's server certificate.
 */
export class HubHttpsListener {
  private readonly server: Server;
  private readonly ws: MqttWebSocketUpgrade;
  /** Connections accepted by other listeners (the module networks' gateway addresses) and handed over here. */
  private readonly handedOver = new Set<Socket>();
  private stopped = false;
  private boundPort: number;
  /** Open connections per remote address (its /64 for IPv6). */
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly o: HubHttpsListenerOptions) {
    this.boundPort = o.port;
    // A call's headers and body (at most ~136 KB) arrive at once; waiting for the target's answer is not bounded by
    // these (up to connect + response timeouts, 600 s), only the receipt of the request is.
    this.server = createServer(
      { key: o.tls.key, cert: o.tls.cert, ...OPTIONAL_CLIENT_CERTIFICATE, minVersion: 'TLSv1.2', headersTimeout: 10_000, requestTimeout: 30_000, handshakeTimeout: o.limits.tlsHandshakeTimeoutMs },
      (req, res) => void this.onRequest(req, res),
    );
    // Without these, anyone reaching the port held sockets for Node's 120 s handshake timeout, as many as they
    // liked, and could run the runtime out of file descriptors (the MQTT port refuses such floods).
    this.server.on('connection', (socket: Socket) => this.admit(socket));
    this.ws = createMqttWebSocketUpgrade({ entry: o.mqtt, log: o.log });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.ws.matches(req)) this.ws.handleUpgrade(req, socket, head);
      else refuse(socket, 404, `no WebSocket endpoint at ${req.url ?? '?'}; MQTT over WebSockets is at /$iothub/websocket`);
    });
    this.server.on('tlsClientError', () => undefined); // a failed handshake concerns that client only
  }

  /** The bound port (the configured one before `start`). */
  get port(): number {
    return this.boundPort;
  }

  /** Listens; rejects with EDGE_PORT_IN_USE naming the address and `--https-port` when it cannot bind. */
  start(): Promise<{ port: number }> {
    const { host, port } = this.o;
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => reject(bindError(host, port, e));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.o.log.error({ err }, 'edge hub HTTPS listener error'));
        this.boundPort = (this.server.address() as AddressInfo).port;
        this.o.log.info({ host, port: this.boundPort }, 'edge hub listening (HTTPS: direct methods, MQTT over WebSockets)');
        resolve({ port: this.boundPort });
      });
    });
  }

  /** Serves new connections with renewed TLS material. */
  setTls(tls: HubHttpsTls): void {
    this.server.setSecureContext({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' });
  }

  /**
   * Serves a TCP connection another listener accepted (module-network-listener.ts, on a module network's gateway
   * address): TLS with this listener's certificate (renewals included), then the same routes. Node's documented
   * way to inject a connection into a TLS/HTTP server is to emit `connection` with it.
   */
  handle(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    this.handedOver.add(socket);
    socket.once('close', () => this.handedOver.delete(socket));
    this.server.emit('connection', socket);
  }

  /**
   * Closes the WebSockets (their MQTT clients are closed by the MQTT server's stop) and every HTTP connection,
   * handed-over ones included (also those still in their TLS handshake, which `closeAllConnections` does not see).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.ws.close();
    for (const socket of this.handedOver) socket.destroy();
    this.handedOver.clear();
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Counts a new connection against its address; one over the address's limit is closed at once. */
  private admit(socket: Socket): void {
    const address = addressKey(socket.remoteAddress);
    const open = this.perAddress.get(address) ?? 0;
    if (open >= this.o.limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    this.perAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = matchMethodRoute(req.method, req.url);
    let answer: MethodHttpAnswer;
    if (route.kind === 'none') {
      answer = errorAnswer(new VergeError('HTTP_ROUTE_NOT_FOUND', `${req.method ?? '?'} ${(req.url ?? '').split('?')[0] ?? ''} is not a route of the edge hub; it serves POST /twins/{deviceId}[/modules/{moduleId}]/methods`), this.o.methods.nowMs());
      req.resume();
    } else {
      const body = await readBody(req, MAX_BODY_BYTES).catch((e: unknown) => e as VergeError);
      answer =
        typeof body === 'string'
          ? await answerMethodCall(this.o.methods, route.target, { authorization: req.headers.authorization, 'x-ms-edge-moduleid': req.headers['x-ms-edge-moduleid'] }, body)
          : errorAnswer(body, this.o.methods.nowMs());
    }
    if (res.destroyed) return;
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function errorAnswer(e: VergeError, nowMs: number): MethodHttpAnswer {
  return methodErrorAnswer(e, 'edge-hub', new Date(nowMs).toISOString());
}

/** The request body as text; rejects with HTTP_BODY_TOO_LARGE beyond `limit` bytes (the rest is not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new VergeError('HTTP_BODY_TOO_LARGE', `the request body exceeds ${limit} bytes (a direct method's payload may hold up to 128 KB)`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function bindError(host: string, port: number, e: NodeJS.ErrnoException): Error {
  const why =
    e.code === 'EADDRINUSE'
      ? 'the port is already in use (another edge runtime or web server?)'
      : e.code === 'EACCES'
        ? 'binding it needs privileges this process does not have (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
        : e.code === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this host (--bind)`
          : e.message;
  return new VergeError('EDGE_PORT_IN_USE', `--https-port ${port}: the edge hub's HTTPS listener (direct methods, MQTT over WebSockets) cannot bind ${host}:${port}: ${why}; stop that process or choose another port`, {
    details: { listener: 'https', host, port, ...(e.code === undefined ? {} : { errno: e.code }) },
    cause: e,
  });
}

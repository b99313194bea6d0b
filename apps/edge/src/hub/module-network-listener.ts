import { createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { IotHubMqttServer, ServerTls } from '@verge/iothub-mqtt';
import { OPTIONAL_CLIENT_CERTIFICATE, peerCertificateOf, type Logger } from '@verge/platform';

/** What a module network listener serves: MQTT over TLS (8883) or the hub's HTTPS port (443). */
export type ModuleNetworkService = 'mqtt' | 'https';

/** Options of {@link ModuleNetworkListeners}. */
export interface ModuleNetworkListenersOptions {
  /** The hub's MQTT server: every accepted TLS stream is served by it (same sessions, limits and surface). */
  readonly server: Pick<IotHubMqttServer, 'handle'>;
  /**
   * The hub's HTTPS listener (direct methods, MQTT over WebSockets): it takes the accepted TCP connections and runs
   * TLS and HTTP on them itself (hub-https-listener.ts `handle`). Absent: the hub has no HTTPS port.
   */
  readonly https?: { handle(socket: Socket): void } | undefined;
  /** The MQTT listeners' TLS material (the HTTPS listener holds its own, renewed with it). */
  readonly tls: ServerTls;
  readonly log: Logger;
  /** A TLS handshake not finished in this time is dropped (default 10 s, the SDK's own is 60 s). */
  readonly handshakeTimeoutMs?: number;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** True when binding `host` listens on every local address (so also on every bridge gateway). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '' || host === '[::]';
}

/**
 * Listeners of the hub on the gateway addresses of module networks (issue 8: container modules reach the hub as in
 * Azure, where edgeHub listens on 8883 and 443 inside the `azure-iot-edge` network). Azure's hub runs in a
 * container on that network; Verge's runs on the host, which has the bridge's gateway address, so modules dial it
 * there by the gateway host name (`ExtraHosts`).
 * - MQTT (8883): TLS is terminated here with the hub's certificate, then the stream goes to the hub's MQTT server
 *   like any other (`handle`), so sessions, limits and authentication are the main listener's. Handshakes are
 *   bounded by a timeout; admission limits apply once a stream is handed over.
 * - HTTPS (443): the TCP connection goes as it is to the hub's HTTPS listener, which runs TLS (its certificate, its
 *   renewals, its handshake timeout) and serves the same routes (`ModuleClient.invokeMethod`, `MqttWs`).
 */
export class ModuleNetworkListeners {
  private readonly servers = new Map<string, Server>();
  private readonly opening = new Map<string, Promise<void>>();
  private secureContext: SecureContext;
  private closed = false;

  constructor(private readonly o: ModuleNetworkListenersOptions) {
    this.secureContext = contextOf(o.tls);
  }

  /**
   * Serves `service` on `host:port` (idempotent). Rejects with the listen error (e.g. EADDRINUSE, which names the
   * address) and forgets the attempt.
   */
  listen(host: string, port: number, service: ModuleNetworkService): Promise<void> {
    const key = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
    if (this.servers.has(key)) return Promise.resolve();
    let opening = this.opening.get(key);
    if (opening === undefined) {
      opening = this.open(key, host, port, service).finally(() => this.opening.delete(key));
      this.opening.set(key, opening);
    }
    return opening;
  }

  /** New MQTT connections get the renewed certificate (the HTTPS listener renews its own). */
  setTls(tls: ServerTls): void {
    this.secureContext = contextOf(tls);
  }

  /**
   * Stops listening at once. The connections it accepted belong to the MQTT server and the HTTPS listener, which
   * close them on their own stop (`Server.close`'s callback would wait for them, so it is not awaited).
   */
  close(): void {
    this.closed = true;
    for (const server of this.servers.values()) server.close();
    this.servers.clear();
  }

  /** Bound addresses, e.g. for status and tests. */
  addresses(): string[] {
    return [...this.servers.keys()];
  }

  private async open(key: string, host: string, port: number, service: ModuleNetworkService): Promise<void> {
    if (this.closed) throw new Error('the edge hub is stopping');
    if (service === 'https' && this.o.https === undefined) throw new Error('the edge hub has no HTTPS listener to serve the module network');
    const server = createServer((raw) => (service === 'https' ? this.handOver(raw) : this.accept(raw)));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (this.closed) {
      server.close();
      throw new Error('the edge hub is stopping');
    }
    server.on('error', (err) => this.o.log.error({ err, address: key }, 'module network listener error'));
    this.servers.set(key, server);
    const serves = service === 'https' ? 'HTTPS: direct methods, MQTT over WebSockets' : 'MQTT over TLS';
    this.o.log.info({ address: `${host}:${(server.address() as AddressInfo).port}`, service }, `edge hub listening for the module network (${serves})`);
  }

  /** An HTTPS connection: TLS and HTTP are the hub's HTTPS listener's. */
  private handOver(raw: Socket): void {
    raw.on('error', () => undefined); // reported through the TLS socket the HTTPS listener wraps it in
    raw.setNoDelay(true);
    if (this.o.https === undefined) raw.destroy();
    else this.o.https.handle(raw);
  }

  private accept(raw: Socket): void {
    raw.on('error', () => undefined); // reported through the TLS socket
    raw.setNoDelay(true);
    const socket = new TLSSocket(raw, { isServer: true, secureContext: this.secureContext, ...OPTIONAL_CLIENT_CERTIFICATE });
    const timer = setTimeout(() => socket.destroy(), this.o.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    socket.on('error', () => socket.destroy());
    socket.once('close', () => clearTimeout(timer));
    socket.once('secure', () => {
      clearTimeout(timer);
      this.o.server.handle(socket, { transport: 'tls', remoteAddress: raw.remoteAddress, remotePort: raw.remotePort, localPort: raw.localPort, peerCertificate: peerCertificateOf(socket) });
    });
  }
}

function contextOf(tls: ServerTls): SecureContext {
  return createSecureContext({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' });
}

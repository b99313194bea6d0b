import type { PeerCertificate } from './authenticate.js';

/** How a client's stream reached the server. */
export type StreamTransport = 'tls' | 'ws' | 'memory';

/** What the server knows of a client stream besides its bytes (`IotHubMqttServer.handle`). */
export interface StreamMeta {
  readonly transport: StreamTransport;
  /** The peer's address: per-address admission limits count it; undefined counts as one address, `unknown`. */
  readonly remoteAddress: string | undefined;
  readonly remotePort?: number | undefined;
  /**
   * The local port the client connected to. IoT Hub accepts its host name with this port in user names and SAS
   * audiences (azure-sdk-protocol.md §1).
   */
  readonly localPort?: number | undefined;
  /** The client certificate of TLS client authentication, already proven by the handshake (X.509 identities). */
  readonly peerCertificate?: PeerCertificate | undefined;
}

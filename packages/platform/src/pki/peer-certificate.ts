import type { TLSSocket } from 'node:tls';

/** The client certificate a TLS handshake received: its DER bytes and validity period. */
export interface TlsPeerCertificate {
  readonly der: Uint8Array;
  readonly validFromMs: number;
  readonly validToMs: number;
}

/**
 * TLS server options that ask clients for a certificate without making it mandatory or checking it against a CA:
 * X.509 devices present theirs, which authentication checks by thumbprint; every other client goes on without one.
 */
export const OPTIONAL_CLIENT_CERTIFICATE = { requestCert: true, rejectUnauthorized: false } as const;

/**
 * The client certificate of a TLS socket (undefined: the client sent none). The server must have asked for one
 * (`OPTIONAL_CLIENT_CERTIFICATE`).
 */
export function peerCertificateOf(socket: TLSSocket): TlsPeerCertificate | undefined {
  const cert = socket.getPeerCertificate(false);
  // An empty object means the client sent no certificate.
  if (cert === null || typeof cert !== 'object' || !('raw' in cert) || cert.raw === undefined) return undefined;
  return { der: cert.raw, validFromMs: Date.parse(cert.valid_from), validToMs: Date.parse(cert.valid_to) };
}

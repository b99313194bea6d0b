import { createHash } from 'node:crypto';
import { parseCertificate } from './pem.js';

/** Thumbprints of a certificate: uppercase hex of the SHA-1 and SHA-256 digests of its DER encoding. */
export interface CertificateThumbprints {
  /** 40 hex digits, as IoT Hub shows and accepts for self-signed X.509 devices. */
  readonly sha1: string;
  /** 64 hex digits; IoT Hub accepts SHA-256 thumbprints as well. */
  readonly sha256: string;
}

/** Thumbprints of the first certificate in `pem` (throws PKI_PEM_INVALID when there is none). */
export function certificateThumbprint(pem: string): CertificateThumbprints {
  return thumbprintsOfDer(parseCertificate(pem, 'certificate').raw);
}

/** Thumbprints of a DER-encoded certificate (e.g. `tlsSocket.getPeerCertificate().raw`). */
export function thumbprintsOfDer(der: Uint8Array): CertificateThumbprints {
  return {
    sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
    sha256: createHash('sha256').update(der).digest('hex').toUpperCase(),
  };
}

/**
 * Normalizes a thumbprint as users paste it (lowercase, with `:` or spaces, as `openssl x509 -fingerprint` prints)
 * to uppercase hex; returns undefined when it is not 40 or 64 hex digits.
 */
export function normalizeThumbprint(text: string): string | undefined {
  const hex = text.replace(/[\s:]/g, '').toUpperCase();
  return /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/.test(hex) ? hex : undefined;
}

/** True when `registered` (either length, any formatting) is a thumbprint of the certificate with `actual`. */
export function thumbprintMatches(registered: string, actual: CertificateThumbprints): boolean {
  const want = normalizeThumbprint(registered);
  if (want === undefined) return false;
  return want.length === 40 ? want === actual.sha1 : want === actual.sha256;
}

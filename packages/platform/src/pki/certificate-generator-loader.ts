import type * as CertificateGenerator from './certificate-generator.js';

/**
 * Loads the certificate generator (and with it @peculiar/x509) on first use. Only the paths that create a key and a
 * certificate call it; reading certificates uses node:crypto's X509Certificate (pem.ts).
 */
export function loadCertificateGenerator(): Promise<typeof CertificateGenerator> {
  return import('./certificate-generator.js');
}

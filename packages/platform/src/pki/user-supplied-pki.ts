import { X509Certificate } from 'node:crypto';
import { VergeError } from '@verge/contracts';
import { keyMatchesCertificate, parseCertificate, splitPemCertificates } from './pem.js';
import { readRequired } from './pki-files.js';
import type { CloudPki } from './ensure-cloud-pki.js';

/** Paths of a user-supplied server certificate. */
export interface UserSuppliedFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
}

/**
 * Loads a user-supplied certificate (chain) and key. The chain sent to clients is `certFile`'s certificates plus
 * any intermediates from `caFile` not already in it (reference §0.2: the server must send the full chain).
 * The CA clients trust is `caFile`, or else the last certificate of `certFile`.
 */
export async function loadUserSuppliedPki(files: UserSuppliedFiles, now: Date): Promise<CloudPki> {
  const certText = await readRequired(files.certFile, 'certificate file');
  const serverKeyPem = await readRequired(files.keyFile, 'key file');
  const certs = splitPemCertificates(certText);
  const leaf = parseCertificate(certText, files.certFile);
  if (!keyMatchesCertificate(leaf, serverKeyPem)) {
    throw new VergeError('PKI_FILE_INVALID', `${files.keyFile} is not the private key of the first certificate in ${files.certFile}`);
  }
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw new VergeError('PKI_FILE_INVALID', `the certificate in ${files.certFile} expired at ${notAfter.toISOString()}`);
  }
  const caText = files.caFile === undefined ? undefined : await readRequired(files.caFile, 'CA file');
  if (caText !== undefined) parseCertificate(caText, files.caFile ?? 'caFile');
  const intermediates = caText === undefined ? [] : splitPemCertificates(caText).filter((pem) => !isSelfIssued(pem) && !certs.includes(pem));
  const caPem = caText ?? certs[certs.length - 1] ?? '';
  return {
    caPem,
    serverCertChainPem: [...certs, ...intermediates].join(''),
    serverKeyPem,
    caPath: files.caFile ?? files.certFile,
    serverNotAfter: notAfter,
    action: 'user-supplied',
    warnings: [],
  };
}

function isSelfIssued(pem: string): boolean {
  const cert = new X509Certificate(pem);
  return cert.subject === cert.issuer;
}

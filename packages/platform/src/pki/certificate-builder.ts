import { randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { algorithmParams, importSigningKey, nodeCrypto } from './key-algorithm.js';
import type { CryptoKey, KeyAlgorithm } from './key-algorithm.js';
import { parseCertificate, privateKeyAlgorithm } from './pem.js';

/** Who signs a certificate: its certificate and private key (PEM). */
export interface Signer {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** What varies between CA, server and client certificates. */
export interface CertificateSpec {
  readonly commonName: string;
  readonly publicKey: CryptoKey;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly x509.Extension[];
  /** The issuing CA, or the subject's own key for a self-signed certificate. */
  readonly signer: Signer | { readonly selfSigned: CryptoKey; readonly keyAlgorithm: KeyAlgorithm };
}

/** A positive, non-zero 128-bit serial number in hex (RFC 5280 §4.1.2.2: at most 20 octets, positive). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** Builds and signs one certificate; adds subjectKeyIdentifier and (for CA-signed) authorityKeyIdentifier. */
export async function buildCertificate(spec: CertificateSpec): Promise<string> {
  const subject: x509.JsonName = [{ CN: [spec.commonName] }];
  const ski = await x509.SubjectKeyIdentifierExtension.create(spec.publicKey as never, false, nodeCrypto as never);
  const common = {
    serialNumber: serialNumber(),
    subject,
    notBefore: spec.notBefore,
    notAfter: spec.notAfter,
    publicKey: spec.publicKey as never,
  };
  if ('selfSigned' in spec.signer) {
    const cert = await x509.X509CertificateGenerator.create(
      {
        ...common,
        issuer: subject,
        signingKey: spec.signer.selfSigned as never,
        signingAlgorithm: algorithmParams(spec.signer.keyAlgorithm),
        extensions: [...spec.extensions, ski],
      },
      nodeCrypto as never,
    );
    return cert.toString('pem') + '\n';
  }
  const issuerCert = new x509.X509Certificate(parseCertificate(spec.signer.certificatePem, 'issuer certificate').raw);
  const issuerAlg = privateKeyAlgorithm(spec.signer.privateKeyPem, 'issuer private key');
  const aki = await x509.AuthorityKeyIdentifierExtension.create(issuerCert.publicKey, false, nodeCrypto as never);
  const cert = await x509.X509CertificateGenerator.create(
    {
      ...common,
      issuer: issuerCert.subjectName,
      signingKey: (await importSigningKey(spec.signer.privateKeyPem, issuerAlg)) as never,
      signingAlgorithm: algorithmParams(issuerAlg),
      extensions: [...spec.extensions, ski, aki],
    },
    nodeCrypto as never,
  );
  return cert.toString('pem') + '\n';
}

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { VergeError } from '@verge/contracts';
import type { KeyAlgorithm } from './key-algorithm.js';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle, in order, each normalized to end with a newline. */
export function splitPemCertificates(pem: string): string[] {
  return [...pem.matchAll(CERT_BLOCK)].map((m) => `${m[0]}\n`);
}

/** Parses the first certificate of `pem`; `source` names the input in the error (a path or an argument name). */
export function parseCertificate(pem: string, source: string): X509Certificate {
  const first = splitPemCertificates(pem)[0];
  if (first === undefined) throw new VergeError('PKI_PEM_INVALID', `${source} holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' block)`);
  try {
    return new X509Certificate(first);
  } catch (cause) {
    throw new VergeError('PKI_PEM_INVALID', `${source}: the first certificate cannot be parsed: ${(cause as Error).message}`, { cause });
  }
}

/** The key algorithm of a PEM private key (EC P-256 or RSA), or an error naming `source`. */
export function privateKeyAlgorithm(pem: string, source: string): KeyAlgorithm {
  let key;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new VergeError('PKI_PEM_INVALID', `${source}: the private key cannot be parsed: ${(cause as Error).message}`, { cause });
  }
  if (key.asymmetricKeyType === 'rsa') return 'rsa-2048';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  throw new VergeError(
    'PKI_PEM_INVALID',
    `${source}: unsupported key type '${key.asymmetricKeyType ?? 'unknown'}' (a CA key must be EC P-256 or RSA)`,
  );
}

/** True when `keyPem` is the private key of `cert`. */
export function keyMatchesCertificate(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

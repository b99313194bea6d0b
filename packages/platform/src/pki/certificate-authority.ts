import { VergeError } from '@verge/contracts';
import { loadCertificateGenerator } from './certificate-generator-loader.js';
import type { KeyAlgorithm } from './key-algorithm.js';
import { parseCertificate, splitPemCertificates } from './pem.js';
import { CLOCK_SKEW_MS, checkCommonName, validityMs } from './params.js';

/** A certificate authority that can issue certificates: its certificate, its key and the chain above it. */
export interface CertificateAuthority {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** PEMs of the certificates above this CA, nearest issuer first, up to the root; empty for a root CA. */
  readonly issuerChainPem: readonly string[];
}

/** Options of `createCa`. */
export interface CreateCaOptions {
  /** Subject CN. A CA's CN must differ from the host names of the certificates it issues. */
  readonly commonName: string;
  readonly validityDays: number;
  /** Issue an intermediate CA under this CA (e.g. an edge CA under a root); omitted → a self-signed root. */
  readonly issuer?: CertificateAuthority;
  /** basicConstraints pathLenConstraint; omitted → unlimited. */
  readonly pathLength?: number;
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Clock for notBefore/notAfter (tests); defaults to the current time. */
  readonly now?: Date;
}

/**
 * Creates a CA: a self-signed root, or an intermediate when `issuer` is given (its notAfter never exceeds the
 * issuer's). Extensions: basicConstraints cA (critical), keyUsage keyCertSign+cRLSign+digitalSignature (critical),
 * subject and authority key identifiers. Loads @peculiar/x509 on first use.
 */
export async function createCa(opts: CreateCaOptions): Promise<CertificateAuthority> {
  const commonName = checkCommonName(opts.commonName);
  const lifetime = validityMs(opts.validityDays);
  if (opts.pathLength !== undefined && (!Number.isInteger(opts.pathLength) || opts.pathLength < 0)) {
    throw new VergeError('PKI_PARAMETER_INVALID', `pathLength must be a non-negative integer, got ${opts.pathLength}`);
  }
  const alg = opts.keyAlgorithm ?? 'ecdsa-p256';
  const now = (opts.now ?? new Date()).getTime();
  const { generateCaCertificate } = await loadCertificateGenerator();
  const generated = await generateCaCertificate({
    commonName,
    pathLength: opts.pathLength,
    keyAlgorithm: alg,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: clampToIssuer(now + lifetime, opts.issuer),
    issuer: opts.issuer,
  });
  return {
    certificatePem: generated.certificatePem,
    privateKeyPem: generated.privateKeyPem,
    issuerChainPem: opts.issuer ? [opts.issuer.certificatePem, ...opts.issuer.issuerChainPem] : [],
  };
}

/** A certificate may not outlive its issuer: clamps `notAfterMs` to the issuer's notAfter. */
export function clampToIssuer(notAfterMs: number, issuer: { readonly certificatePem: string } | undefined): Date {
  if (issuer === undefined) return new Date(notAfterMs);
  const issuerEnd = new Date(parseCertificate(issuer.certificatePem, 'issuer certificate').validTo).getTime();
  return new Date(Math.min(notAfterMs, issuerEnd));
}

/** Rebuilds a CertificateAuthority from PEM texts (e.g. read from disk); `chainPem` may hold the issuer chain. */
export function loadCa(certificatePem: string, privateKeyPem: string, chainPem = ''): CertificateAuthority {
  return { certificatePem, privateKeyPem, issuerChainPem: splitPemCertificates(chainPem) };
}

import * as x509 from '@peculiar/x509';
import { buildCertificate } from './certificate-builder.js';
import { clampToIssuer } from './certificate-authority.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { exportPrivateKeyPem, generateKeyPair } from './key-algorithm.js';
import type { KeyAlgorithm } from './key-algorithm.js';
import { CLOCK_SKEW_MS, checkCommonName, checkDnsNames, checkIpAddresses, validityMs } from './params.js';

/** A leaf certificate with its key. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /**
   * Leaf, then the issuing CA and its issuer chain: what a TLS endpoint must send so that clients holding only the
   * root verify it (azure-sdk-protocol.md §0.2). For a self-signed certificate: the leaf alone.
   */
  readonly chainPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Options of `issueServerCert`. */
export interface IssueServerCertOptions {
  readonly ca: CertificateAuthority;
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly validityDays: number;
  /** Also allow the certificate as a TLS client certificate (e.g. an edge hub dialling upstream). */
  readonly clientAuth?: boolean;
  readonly keyAlgorithm?: KeyAlgorithm;
  readonly now?: Date;
}

/** Options of `issueClientCert`. */
export interface IssueClientCertOptions {
  /** The issuing CA; omitted → a self-signed certificate (IoT Hub "selfSigned" X.509 authentication). */
  readonly ca?: CertificateAuthority;
  /** For IoT Hub X.509 devices: the device id (CA-signed authentication requires CN = device id). */
  readonly commonName: string;
  readonly validityDays: number;
  readonly keyAlgorithm?: KeyAlgorithm;
  readonly now?: Date;
}

/**
 * Issues a TLS server certificate: subjectAltName with `dnsNames` and `ipAddresses` (an IP SAN is required for
 * clients dialling an address, reference §0.2), extendedKeyUsage serverAuth, basicConstraints cA=false.
 */
export async function issueServerCert(opts: IssueServerCertOptions): Promise<IssuedCertificate> {
  const dnsNames = checkDnsNames(opts.dnsNames);
  const ips = checkIpAddresses(opts.ipAddresses);
  const names: x509.JsonGeneralName[] = [
    ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...ips.map((value) => ({ type: 'ip' as const, value })),
  ];
  const usages = [x509.ExtendedKeyUsage.serverAuth, ...(opts.clientAuth ? [x509.ExtendedKeyUsage.clientAuth] : [])];
  const extra = names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, false)] : [];
  return issueLeaf({ ...opts, ca: opts.ca }, usages, extra);
}

/** Issues a TLS client certificate (extendedKeyUsage clientAuth), CA-signed or self-signed. */
export async function issueClientCert(opts: IssueClientCertOptions): Promise<IssuedCertificate> {
  return issueLeaf(opts, [x509.ExtendedKeyUsage.clientAuth], []);
}

interface LeafOptions {
  readonly ca?: CertificateAuthority;
  readonly commonName: string;
  readonly validityDays: number;
  readonly keyAlgorithm?: KeyAlgorithm;
  readonly now?: Date;
}

async function issueLeaf(opts: LeafOptions, usages: readonly string[], extra: readonly x509.Extension[]): Promise<IssuedCertificate> {
  const commonName = checkCommonName(opts.commonName);
  const lifetime = validityMs(opts.validityDays);
  const alg = opts.keyAlgorithm ?? 'ecdsa-p256';
  const now = (opts.now ?? new Date()).getTime();
  const keys = await generateKeyPair(alg);
  // RSA key exchange needs keyEncipherment; ECDSA keys only sign (RFC 5480 §3).
  const keyUsage = x509.KeyUsageFlags.digitalSignature | (alg === 'rsa-2048' ? x509.KeyUsageFlags.keyEncipherment : 0);
  const notBefore = new Date(now - CLOCK_SKEW_MS);
  const notAfter = clampToIssuer(now + lifetime, opts.ca);
  const certificatePem = await buildCertificate({
    commonName,
    publicKey: keys.publicKey,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(keyUsage, true),
      new x509.ExtendedKeyUsageExtension([...usages], false),
      ...extra,
    ],
    signer: opts.ca ?? { selfSigned: keys.privateKey, keyAlgorithm: alg },
  });
  const chain = opts.ca ? [certificatePem, opts.ca.certificatePem, ...opts.ca.issuerChainPem] : [certificatePem];
  return { certificatePem, privateKeyPem: await exportPrivateKeyPem(keys.privateKey), chainPem: chain.join(''), notBefore, notAfter };
}

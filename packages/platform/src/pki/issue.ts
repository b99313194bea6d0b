import { VergeError } from '@verge/contracts';
import { clampToIssuer } from './certificate-authority.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { loadCertificateGenerator } from './certificate-generator-loader.js';
import type { KeyAlgorithm } from './key-algorithm.js';
import { checkCommonName, checkDnsNames, checkIpAddresses, validityMs } from './params.js';
import { parseCertificate } from './pem.js';

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
 * clients dialling an address, reference §0.2), extendedKeyUsage serverAuth, basicConstraints cA=false. Its
 * notAfter never passes the CA's; throws PKI_ISSUER_EXPIRED when the CA has expired already.
 */
export async function issueServerCert(opts: IssueServerCertOptions): Promise<IssuedCertificate> {
  const dnsNames = checkDnsNames(opts.dnsNames);
  const ipAddresses = checkIpAddresses(opts.ipAddresses);
  return issueLeaf(opts, { serverAuth: true, clientAuth: opts.clientAuth === true, dnsNames, ipAddresses });
}

/** Issues a TLS client certificate (extendedKeyUsage clientAuth), CA-signed or self-signed. */
export async function issueClientCert(opts: IssueClientCertOptions): Promise<IssuedCertificate> {
  return issueLeaf(opts, { serverAuth: false, clientAuth: true, dnsNames: [], ipAddresses: [] });
}

interface LeafOptions {
  readonly ca?: CertificateAuthority;
  readonly commonName: string;
  readonly validityDays: number;
  readonly keyAlgorithm?: KeyAlgorithm;
  readonly now?: Date;
}

interface LeafUsage {
  readonly serverAuth: boolean;
  readonly clientAuth: boolean;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** Checks the options, then loads the generator (@peculiar/x509) and issues the certificate. */
async function issueLeaf(opts: LeafOptions, usage: LeafUsage): Promise<IssuedCertificate> {
  const commonName = checkCommonName(opts.commonName);
  const lifetime = validityMs(opts.validityDays);
  const nowMs = (opts.now ?? new Date()).getTime();
  const notAfter = clampToIssuer(nowMs + lifetime, opts.ca);
  if (opts.ca !== undefined && notAfter.getTime() <= nowMs) throw issuerExpired(opts.ca, notAfter);
  const { generateLeafCertificate } = await loadCertificateGenerator();
  const generated = await generateLeafCertificate({ commonName, keyAlgorithm: opts.keyAlgorithm ?? 'ecdsa-p256', nowMs, notAfter, issuer: opts.ca, ...usage });
  const chain = opts.ca ? [generated.certificatePem, opts.ca.certificatePem, ...opts.ca.issuerChainPem] : [generated.certificatePem];
  return { certificatePem: generated.certificatePem, privateKeyPem: generated.privateKeyPem, chainPem: chain.join(''), notBefore: generated.notBefore, notAfter };
}

/** PKI_ISSUER_EXPIRED: a leaf clamped to an expired issuer would be born expired. */
function issuerExpired(ca: CertificateAuthority, expiredAt: Date): VergeError {
  const subject = parseCertificate(ca.certificatePem, 'issuer certificate').subject.replace(/\n/g, ', ');
  return new VergeError('PKI_ISSUER_EXPIRED', `the issuing CA (${subject}) expired at ${expiredAt.toISOString()}: a certificate issued from it now would be expired already; renew the CA`, {
    details: { expiredAt: expiredAt.toISOString() },
  });
}

import * as x509 from '@peculiar/x509';
import { buildCertificate } from './certificate-builder.js';
import { exportPrivateKeyPem, generateKeyPair } from './key-algorithm.js';
import type { KeyAlgorithm } from './key-algorithm.js';
import { CLOCK_SKEW_MS } from './params.js';

// The only module (with certificate-builder.ts) that loads @peculiar/x509. It is imported dynamically by
// `createCa` and the `issue*Cert` functions (certificate-generator-loader.ts), so a process that only reads
// existing certificates (node:crypto's X509Certificate) never pays its load time (~0.45 s) and memory (~12 MB).

/** Who signs: a CA's certificate and key, or nobody (self-signed). */
interface IssuerPems {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** A generated certificate and the PKCS#8 PEM of its new key. */
export interface GeneratedCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** Validated inputs of a CA certificate. */
export interface CaCertificateInput {
  readonly commonName: string;
  readonly pathLength: number | undefined;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly issuer: IssuerPems | undefined;
}

/** Generates a key and a CA certificate: basicConstraints cA (critical), keyUsage keyCertSign+cRLSign+digitalSignature. */
export async function generateCaCertificate(input: CaCertificateInput): Promise<GeneratedCertificate> {
  const keys = await generateKeyPair(input.keyAlgorithm);
  const certificatePem = await buildCertificate({
    commonName: input.commonName,
    publicKey: keys.publicKey,
    notBefore: input.notBefore,
    notAfter: input.notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(true, input.pathLength, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
    ],
    signer: input.issuer ?? { selfSigned: keys.privateKey, keyAlgorithm: input.keyAlgorithm },
  });
  return { certificatePem, privateKeyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** Validated inputs of a leaf certificate. */
export interface LeafCertificateInput {
  readonly commonName: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly nowMs: number;
  readonly notAfter: Date;
  readonly issuer: IssuerPems | undefined;
  readonly serverAuth: boolean;
  readonly clientAuth: boolean;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/**
 * Generates a key and a leaf certificate: basicConstraints cA=false, keyUsage digitalSignature (+keyEncipherment
 * for RSA), extendedKeyUsage serverAuth and/or clientAuth, subjectAltName when names are given.
 */
export async function generateLeafCertificate(input: LeafCertificateInput): Promise<GeneratedCertificate & { readonly notBefore: Date }> {
  const keys = await generateKeyPair(input.keyAlgorithm);
  // RSA key exchange needs keyEncipherment; ECDSA keys only sign (RFC 5480 §3).
  const keyUsage = x509.KeyUsageFlags.digitalSignature | (input.keyAlgorithm === 'rsa-2048' ? x509.KeyUsageFlags.keyEncipherment : 0);
  const usages = [...(input.serverAuth ? [x509.ExtendedKeyUsage.serverAuth] : []), ...(input.clientAuth ? [x509.ExtendedKeyUsage.clientAuth] : [])];
  const names: x509.JsonGeneralName[] = [
    ...input.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...input.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  const notBefore = new Date(input.nowMs - CLOCK_SKEW_MS);
  const certificatePem = await buildCertificate({
    commonName: input.commonName,
    publicKey: keys.publicKey,
    notBefore,
    notAfter: input.notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(keyUsage, true),
      new x509.ExtendedKeyUsageExtension(usages, false),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, false)] : []),
    ],
    signer: input.issuer ?? { selfSigned: keys.privateKey, keyAlgorithm: input.keyAlgorithm },
  });
  return { certificatePem, privateKeyPem: await exportPrivateKeyPem(keys.privateKey), notBefore };
}

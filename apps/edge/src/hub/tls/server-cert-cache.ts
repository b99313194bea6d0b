import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, type CertificateAuthority, type IssuedCertificate } from '@verge/platform';
import { renewAtMs, serverCertNames } from './server-cert.js';

// The hub's server certificate is kept in the hub's data directory so that a restart reuses it instead of issuing
// a new one: issuing loads @peculiar/x509 (~0.45 s and ~12 MB at start), reading uses node:crypto only.

/** Where the hub keeps its server certificate (the leaf alone; the chain is rebuilt from the current edge CA). */
export function serverCertCachePaths(hubDataDir: string): { readonly cert: string; readonly key: string } {
  return { cert: join(hubDataDir, 'server-cert.pem'), key: join(hubDataDir, 'server-key.pem') };
}

/** The certificate and key stored in the cache, or undefined when there is none (or it is unreadable). */
export async function readCachedServerCert(hubDataDir: string): Promise<{ certPem: string; keyPem: string } | undefined> {
  const paths = serverCertCachePaths(hubDataDir);
  try {
    return { certPem: await readFile(paths.cert, 'utf8'), keyPem: await readFile(paths.key, 'utf8') };
  } catch {
    return undefined;
  }
}

/**
 * Stores an issued certificate (both files 0600: only the hub reads them, and every file of the data directory but the
 * edge CA certificate is private; temporary file + rename, so a crash never leaves half a key).
 */
export async function writeCachedServerCert(hubDataDir: string, cert: IssuedCertificate): Promise<void> {
  await ensurePrivateDir(hubDataDir);
  const paths = serverCertCachePaths(hubDataDir);
  await writeAtomic(paths.key, cert.privateKeyPem, 0o600);
  await writeAtomic(paths.cert, cert.certificatePem, 0o600);
}

/**
 * Why a cached certificate cannot be served (undefined when it can): it must parse, match its key, be signed by the
 * current edge CA, name exactly the host names `serverCertNames(hostname)` gives, and not have reached its renewal
 * point (two thirds of its validity).
 */
export function cachedServerCertProblem(certPem: string, keyPem: string, ca: CertificateAuthority, hostname: string, nowMs: number): string | undefined {
  let leaf: X509Certificate;
  let caCert: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
    caCert = new X509Certificate(ca.certificatePem);
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) return 'the key does not match the certificate';
  } catch (e) {
    return `unreadable: ${(e as Error).message}`;
  }
  if (leaf.ca) return 'it is a CA certificate';
  if (leaf.checkIssued(caCert) === false || !leaf.verify(caCert.publicKey)) return 'not issued by the current edge CA';
  const names = serverCertNames(hostname);
  const want = [...names.dnsNames.map((n) => `DNS:${n}`), ...names.ipAddresses.map((a) => `IP Address:${a}`)].sort();
  const have = (leaf.subjectAltName ?? '').split(', ').filter((s) => s !== '').sort();
  if (want.join(',') !== have.join(',') || leaf.subject !== `CN=${names.commonName}`) return 'issued for other host names';
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (nowMs < notBefore.getTime()) return 'not valid yet';
  if (nowMs >= renewAtMs({ notBefore, notAfter })) return 'due for renewal';
  return undefined;
}

/** The cached certificate as an IssuedCertificate (the chain from the current CA), when it can be served. */
export async function reusableServerCert(hubDataDir: string, ca: CertificateAuthority, hostname: string, nowMs: number): Promise<IssuedCertificate | undefined> {
  const cached = await readCachedServerCert(hubDataDir);
  if (cached === undefined) return undefined;
  if (cachedServerCertProblem(cached.certPem, cached.keyPem, ca, hostname, nowMs) !== undefined) return undefined;
  const leaf = new X509Certificate(cached.certPem);
  return {
    certificatePem: cached.certPem,
    privateKeyPem: cached.keyPem,
    chainPem: [cached.certPem, ca.certificatePem, ...ca.issuerChainPem].join(''),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

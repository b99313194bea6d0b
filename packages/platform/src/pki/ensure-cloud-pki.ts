import { randomBytes } from 'node:crypto';
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { VergeError } from '@verge/contracts';
import { createCa, loadCa } from './certificate-authority.js';
import type { CertificateAuthority } from './certificate-authority.js';
import { issueServerCert } from './issue.js';
import type { KeyAlgorithm } from './key-algorithm.js';
import { keyMatchesCertificate, parseCertificate } from './pem.js';
import { ensurePrivateDir } from '../fs/private-files.js';
import { readOptional, writeAtomic } from './pki-files.js';
import { loadUserSuppliedPki } from './user-supplied-pki.js';

const DAY_MS = 86_400_000;

/** Options of `ensureCloudPki`. */
export interface EnsureCloudPkiOptions {
  /** Directory for `ca.pem`, `ca-key.pem`, `server-chain.pem`, `server-key.pem` (created 0700). */
  readonly dir: string;
  /** The host name clients dial (also used in SAS audiences); may be an IP address. */
  readonly hostname: string;
  /** A user-supplied server certificate (chain) PEM; requires `keyFile`. Replaces the generated one. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** With `certFile`: the CA bundle clients must trust; default: the last certificate of `certFile`. */
  readonly caFile?: string;
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Default 3650. */
  readonly caValidityDays?: number;
  /** Default 365. */
  readonly serverValidityDays?: number;
  /** Renew the server certificate this many days before it expires (default 30; at most a third of its lifetime). */
  readonly renewBeforeDays?: number;
  readonly now?: Date;
}

/** The TLS material of the cloud, ready for `tls.createServer`. */
export interface CloudPki {
  /** The CA clients must trust (pass it as the SDK's `ca` option). */
  readonly caPem: string;
  /** Leaf + issuers, to be sent by the server (reference §0.2). */
  readonly serverCertChainPem: string;
  readonly serverKeyPem: string;
  /** Where the CA clients must trust is stored. */
  readonly caPath: string;
  /** When the server certificate expires: a long-running process calls `ensureCloudPki` again before then. */
  readonly serverNotAfter: Date;
  readonly action: 'created' | 'renewed' | 'reused' | 'user-supplied';
  /** Things the caller should log (e.g. the CA expires soon, why the server certificate was renewed). */
  readonly warnings: readonly string[];
}

/**
 * Makes sure the cloud has TLS material. First start: creates a root CA (CN `Verge Cloud CA <random>`, never the
 * host name) and a server certificate for `hostname`, `localhost` and `127.0.0.1` (IP SAN), and writes
 * `DIR/ca.pem`, `DIR/ca-key.pem` (0600), `DIR/server-chain.pem`, `DIR/server-key.pem` (0600). Later starts reuse
 * them and re-issue the server certificate when it is close to expiry, does not cover the host name, or does not
 * belong to the CA. The CA is never replaced silently (clients trust it): a missing CA key or an expired CA is an
 * error. With `certFile`/`keyFile` those are used instead. Not safe for two processes starting on one directory.
 */
export async function ensureCloudPki(opts: EnsureCloudPkiOptions): Promise<CloudPki> {
  const now = opts.now ?? new Date();
  if ((opts.certFile === undefined) !== (opts.keyFile === undefined)) {
    throw new VergeError('PKI_FILE_INVALID', `certFile and keyFile must be given together (got only ${opts.certFile === undefined ? 'keyFile' : 'certFile'})`);
  }
  if (opts.certFile !== undefined && opts.keyFile !== undefined) {
    return loadUserSuppliedPki({ certFile: opts.certFile, keyFile: opts.keyFile, ...(opts.caFile ? { caFile: opts.caFile } : {}) }, now);
  }
  await ensurePrivateDir(opts.dir);
  const paths = pkiPaths(opts.dir);
  const warnings: string[] = [];
  const existing = await loadExistingCa(paths, now);
  const ca = existing ?? (await createAndWriteCa(paths, opts, now));
  const caCert = parseCertificate(ca.certificatePem, paths.ca);
  const caDaysLeft = (new Date(caCert.validTo).getTime() - now.getTime()) / DAY_MS;
  if (caDaysLeft < 90) warnings.push(`the CA ${paths.ca} expires in ${Math.floor(caDaysLeft)} days; plan its replacement`);
  const problem = await serverCertProblem(paths, caCert, opts, now);
  if (problem === undefined) {
    const chain = (await readOptional(paths.serverChain)) ?? '';
    const key = (await readOptional(paths.serverKey)) ?? '';
    const notAfter = new Date(parseCertificate(chain, paths.serverChain).validTo);
    return { caPem: ca.certificatePem, serverCertChainPem: chain, serverKeyPem: key, caPath: paths.ca, serverNotAfter: notAfter, action: 'reused', warnings };
  }
  const server = await issueServerCert({
    ca,
    commonName: opts.hostname.length <= 64 ? opts.hostname : 'Verge cloud',
    dnsNames: unique([...(isIP(opts.hostname) ? [] : [opts.hostname]), 'localhost']),
    ipAddresses: unique([...(isIP(opts.hostname) ? [opts.hostname] : []), '127.0.0.1']),
    validityDays: opts.serverValidityDays ?? 365,
    ...(opts.keyAlgorithm ? { keyAlgorithm: opts.keyAlgorithm } : {}),
    now,
  });
  await writeAtomic(paths.serverKey, server.privateKeyPem, 0o600);
  await writeAtomic(paths.serverChain, server.chainPem, 0o644);
  if (existing !== undefined) warnings.push(`server certificate re-issued: ${problem}`);
  return {
    caPem: ca.certificatePem,
    serverCertChainPem: server.chainPem,
    serverKeyPem: server.privateKeyPem,
    caPath: paths.ca,
    serverNotAfter: server.notAfter,
    action: existing === undefined ? 'created' : 'renewed',
    warnings,
  };
}

interface PkiPaths {
  readonly ca: string;
  readonly caKey: string;
  readonly serverChain: string;
  readonly serverKey: string;
}

function pkiPaths(dir: string): PkiPaths {
  return {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    serverChain: join(dir, 'server-chain.pem'),
    serverKey: join(dir, 'server-key.pem'),
  };
}

async function loadExistingCa(paths: PkiPaths, now: Date): Promise<CertificateAuthority | undefined> {
  const certPem = await readOptional(paths.ca);
  const keyPem = await readOptional(paths.caKey);
  if (certPem === undefined && keyPem === undefined) return undefined;
  const regenerate = `delete ${paths.ca} and ${paths.caKey} to create a new CA (every client must then trust the new ca.pem)`;
  if (certPem === undefined || keyPem === undefined) {
    throw new VergeError('PKI_FILE_INVALID', `${certPem === undefined ? paths.ca : paths.caKey} is missing while its partner exists; restore it or ${regenerate}`);
  }
  const cert = parseCertificate(certPem, paths.ca);
  if (!keyMatchesCertificate(cert, keyPem)) throw new VergeError('PKI_FILE_INVALID', `${paths.caKey} is not the private key of ${paths.ca}; ${regenerate}`);
  if (!cert.ca) throw new VergeError('PKI_FILE_INVALID', `${paths.ca} is not a CA certificate (basicConstraints cA is false)`);
  if (new Date(cert.validTo).getTime() <= now.getTime()) {
    throw new VergeError('PKI_FILE_INVALID', `the CA ${paths.ca} expired at ${new Date(cert.validTo).toISOString()}; ${regenerate}`);
  }
  return loadCa(certPem, keyPem);
}

async function createAndWriteCa(paths: PkiPaths, opts: EnsureCloudPkiOptions, now: Date): Promise<CertificateAuthority> {
  // A random suffix keeps the DNs of two installations' CAs apart (clients trusting both must not confuse them).
  const ca = await createCa({
    commonName: `Verge Cloud CA ${randomBytes(4).toString('hex')}`,
    validityDays: opts.caValidityDays ?? 3650,
    ...(opts.keyAlgorithm ? { keyAlgorithm: opts.keyAlgorithm } : {}),
    now,
  });
  // Key first: a crash between the two writes leaves a key without certificate, which the next start reports.
  await writeAtomic(paths.caKey, ca.privateKeyPem, 0o600);
  await writeAtomic(paths.ca, ca.certificatePem, 0o644);
  return ca;
}

/** Why the stored server certificate cannot be reused, or undefined when it can. */
async function serverCertProblem(paths: PkiPaths, caCert: X509Certificate, opts: EnsureCloudPkiOptions, now: Date): Promise<string | undefined> {
  const chain = await readOptional(paths.serverChain);
  const key = await readOptional(paths.serverKey);
  if (chain === undefined || key === undefined) return 'no server certificate yet';
  let cert: X509Certificate;
  try {
    cert = parseCertificate(chain, paths.serverChain);
  } catch (e) {
    return (e as Error).message;
  }
  if (!keyMatchesCertificate(cert, key)) return `${paths.serverKey} does not match ${paths.serverChain}`;
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return `${paths.serverChain} was not issued by ${paths.ca}`;
  const host = isIP(opts.hostname) ? cert.checkIP(opts.hostname) : cert.checkHost(opts.hostname);
  if (host === undefined || cert.checkHost('localhost') === undefined || cert.checkIP('127.0.0.1') === undefined) {
    return `${paths.serverChain} does not cover ${opts.hostname}, localhost and 127.0.0.1`;
  }
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  if (from > now.getTime()) return `${paths.serverChain} is not valid before ${new Date(from).toISOString()}`;
  const margin = Math.min((opts.renewBeforeDays ?? 30) * DAY_MS, (to - from) / 3);
  if (to - now.getTime() <= margin) return `${paths.serverChain} expires at ${new Date(to).toISOString()}`;
  return undefined;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { VergeError } from '@verge/contracts';
import { createCa, createDirectories, loadCa, type CertificateAuthority, type Logger } from '@verge/platform';

/** Validity of a new edge CA (iotedge's quickstart CA: 90 days; Verge renews it at start, see below). */
export const EDGE_CA_DAYS = 365;
/** A CA with less than this left is replaced at start, before the certificates it issues would have to be cut short. */
export const EDGE_CA_RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;

/** Where the edge CA lives under the data directory. */
export function edgeCaPaths(dataDir: string): { readonly dir: string; readonly cert: string; readonly key: string } {
  const dir = join(dataDir, 'pki');
  return { dir, cert: join(dir, 'edge-ca.pem'), key: join(dir, 'edge-ca.key.pem') };
}

/** The edge CA and what `ensureEdgeCa` did. */
export interface EdgeCaResult {
  readonly ca: CertificateAuthority;
  /** The CA certificate file leaf devices must trust. */
  readonly certPath: string;
  readonly action: 'created' | 'loaded' | 'renewed';
  readonly notAfter: Date;
}

/**
 * Creates or reuses the edge CA under `{dataDir}/pki` (reference §11.7: the "quickstart" Edge CA, self-signed and
 * issued by nothing outside; the cloud CA is only trusted, never used to issue). Its CN differs from every host
 * name (`Verge Edge CA {deviceId}`), as §11.7 requires. A CA that expires within EDGE_CA_RENEW_BEFORE_DAYS is
 * replaced (and a warning says leaf devices must trust the new one). Throws EDGE_CA_INVALID for unreadable files.
 */
export async function ensureEdgeCa(dataDir: string, deviceId: string, log: Logger, now: Date = new Date()): Promise<EdgeCaResult> {
  const paths = edgeCaPaths(dataDir);
  const existing = await readPair(paths.cert, paths.key);
  if (existing !== undefined) {
    const notAfter = notAfterOf(existing.cert, paths.cert);
    if (notAfter.getTime() - now.getTime() > EDGE_CA_RENEW_BEFORE_DAYS * DAY_MS) {
      return { ca: loadCa(existing.cert, existing.key), certPath: paths.cert, action: 'loaded', notAfter };
    }
    log.warn({ notAfter: notAfter.toISOString(), path: paths.cert }, 'the edge CA expires soon and is replaced; leaf devices must trust the new CA file');
  }
  const ca = await createCa({ commonName: `Verge Edge CA ${deviceId}`.slice(0, 64), validityDays: EDGE_CA_DAYS, pathLength: 0, now });
  await createDirectories(paths.dir, 0o700);
  await writeAtomic(paths.key, ca.privateKeyPem, 0o600);
  await writeAtomic(paths.cert, ca.certificatePem, 0o644);
  return { ca, certPath: paths.cert, action: existing === undefined ? 'created' : 'renewed', notAfter: notAfterOf(ca.certificatePem, paths.cert) };
}

async function readPair(certPath: string, keyPath: string): Promise<{ cert: string; key: string } | undefined> {
  const cert = await readOptional(certPath);
  const key = await readOptional(keyPath);
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    const missing = cert === undefined ? certPath : keyPath;
    throw new VergeError('EDGE_CA_INVALID', `${missing} is missing while its pair exists; move ${join(certPath, '..')} aside to create a new edge CA`);
  }
  return { cert, key };
}

function notAfterOf(pem: string, path: string): Date {
  try {
    return new Date(new X509Certificate(pem).validTo);
  } catch (e) {
    throw new VergeError('EDGE_CA_INVALID', `${path} does not hold a PEM certificate: ${(e as Error).message}`, { cause: e });
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VergeError('EDGE_CA_INVALID', `${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
}

// Temporary file + rename, so a crash never leaves half a key.
async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

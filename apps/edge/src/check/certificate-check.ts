import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { splitPemCertificates } from '@verge/platform';
import type { CheckResult } from './check-result.js';

const DAY_MS = 86_400_000;

/** What a certificate check reads and how it judges the dates. */
export interface CertificateCheck {
  readonly id: string;
  readonly title: string;
  readonly path: string;
  /** Warn when the certificate expires within this many days (iotedge: 7 for the local CA). */
  readonly warnDays: number;
  readonly nowMs: number;
  /** What to do when it has expired or is about to. */
  readonly renew: string;
  /** The result when the file does not exist (e.g. the edge CA before the first start). */
  readonly whenMissing: Omit<CheckResult, 'id' | 'title'>;
}

/** Reads the first certificate of a PEM file and checks its validity period against the clock. */
export async function checkCertificateFile(c: CertificateCheck): Promise<CheckResult> {
  const base = { id: c.id, title: c.title };
  let text: string;
  try {
    text = await readFile(c.path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...base, ...c.whenMissing };
    return { ...base, status: 'fail', detail: `${c.path} cannot be read: ${(e as Error).message}`, fix: 'check the file permissions (run as the user that runs the edge runtime)' };
  }
  const pem = splitPemCertificates(text)[0];
  let cert: X509Certificate;
  try {
    if (pem === undefined) throw new Error('no PEM certificate in it');
    cert = new X509Certificate(pem);
  } catch (e) {
    return { ...base, status: 'fail', detail: `${c.path} does not hold a valid certificate: ${(e as Error).message}`, fix: c.renew };
  }
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  const until = new Date(notAfter).toISOString();
  if (c.nowMs < notBefore) {
    return { ...base, status: 'fail', detail: `${c.path} (${cert.subject.replace(/\n/g, ', ')}) is not valid before ${new Date(notBefore).toISOString()}`, fix: 'check the clock of this device, or replace the certificate' };
  }
  if (c.nowMs >= notAfter) return { ...base, status: 'fail', detail: `${c.path} (${cert.subject.replace(/\n/g, ', ')}) expired on ${until}`, fix: c.renew };
  const days = Math.floor((notAfter - c.nowMs) / DAY_MS);
  if (notAfter - c.nowMs < c.warnDays * DAY_MS) return { ...base, status: 'warn', detail: `${c.path} expires in ${days} day${days === 1 ? '' : 's'}, on ${until}`, fix: c.renew };
  return { ...base, status: 'pass', detail: `${c.path} is valid until ${until} (${days} days)` };
}

import { mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { EDGE_CA_DAYS, edgeCaPaths, ensureEdgeCa } from '../../../src/edge-ca.js';
import { silentLog } from '@verge/testkit';

const log = silentLog();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'verge-edge-ca-'));
  dirs.push(d);
  return d;
}

describe('ensureEdgeCa (the edge CA under the data directory)', () => {
  it('creates a self-signed CA (CN differs from host names) with a private key file of mode 0600, then reuses it', async () => {
    const dir = tmp();
    const created = await ensureEdgeCa(dir, 'edge1', log);
    expect(created.action).toBe('created');
    const cert = new X509Certificate(created.ca.certificatePem);
    expect(cert.subject).toBe('CN=Verge Edge CA edge1');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(true);
    expect(Math.round((created.notAfter.getTime() - Date.now()) / 86_400_000)).toBe(EDGE_CA_DAYS);
    expect(statSync(edgeCaPaths(dir).key).mode & 0o777).toBe(0o600);
    expect(created.ca.issuerChainPem).toEqual([]);

    const loaded = await ensureEdgeCa(dir, 'edge1', log);
    expect(loaded.action).toBe('loaded');
    expect(loaded.ca.certificatePem).toBe(created.ca.certificatePem);
    expect(loaded.ca.privateKeyPem).toBe(created.ca.privateKeyPem);
  });

  it('replaces a CA that expires within 30 days', async () => {
    const dir = tmp();
    const old = await ensureEdgeCa(dir, 'edge1', log, new Date(Date.now() - (EDGE_CA_DAYS - 10) * 86_400_000));
    const renewed = await ensureEdgeCa(dir, 'edge1', log);
    expect(renewed.action).toBe('renewed');
    expect(renewed.ca.certificatePem).not.toBe(old.ca.certificatePem);
  });

  it.each([
    ['the key is missing', (dir: string) => unlinkSync(edgeCaPaths(dir).key), 'edge-ca.key.pem is missing while its pair exists'],
    ['the certificate is not PEM', (dir: string) => writeFileSync(edgeCaPaths(dir).cert, 'garbage'), 'edge-ca.pem does not hold a PEM certificate'],
  ])('refuses with EDGE_CA_INVALID when %s', async (_name, damage, message) => {
    const dir = tmp();
    await ensureEdgeCa(dir, 'edge1', log);
    damage(dir);
    const error = await ensureEdgeCa(dir, 'edge1', log).catch((e: unknown) => e);
    expect(isVergeError(error, 'EDGE_CA_INVALID')).toBe(true);
    expect((error as Error).message).toContain(message);
  });
});

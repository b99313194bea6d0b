import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { createCa, ensureCloudPki, issueServerCert, splitPemCertificates } from '../../../src/pki/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verge-pki-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NOW = new Date('2031-06-01T00:00:00Z');
const DAY = 86_400_000;

describe('ensureCloudPki', () => {
  it('creates a CA and a server certificate on first start, with private files 0600', async () => {
    const pki = await ensureCloudPki({ dir, hostname: 'hub.example', now: NOW });
    expect(pki.action).toBe('created');
    expect(pki.caPath).toBe(join(dir, 'ca.pem'));
    expect(await readFile(pki.caPath, 'utf8')).toBe(pki.caPem);
    const ca = new X509Certificate(pki.caPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toMatch(/^CN=Verge Cloud CA [0-9a-f]{8}$/);
    const [leafPem, caInChain] = splitPemCertificates(pki.serverCertChainPem);
    expect(caInChain).toBe(pki.caPem); // the server sends the full chain (reference §0.2)
    const leaf = new X509Certificate(leafPem ?? '');
    expect(leaf.subjectAltName).toBe('DNS:hub.example, DNS:localhost, IP Address:127.0.0.1');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(pki.serverNotAfter.getTime()).toBe(NOW.getTime() + 365 * DAY);
    for (const f of ['ca-key.pem', 'server-key.pem']) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('reuses everything on later starts', async () => {
    const first = await ensureCloudPki({ dir, hostname: 'localhost', now: NOW });
    const second = await ensureCloudPki({ dir, hostname: 'localhost', now: new Date(NOW.getTime() + 100 * DAY) });
    expect(second.action).toBe('reused');
    expect(second).toMatchObject({ caPem: first.caPem, serverCertChainPem: first.serverCertChainPem, serverKeyPem: first.serverKeyPem });
    expect(second.warnings).toEqual([]);
  });

  it('re-issues the server certificate near expiry, keeping the CA', async () => {
    const first = await ensureCloudPki({ dir, hostname: 'localhost', now: NOW });
    const later = new Date(first.serverNotAfter.getTime() - 10 * DAY);
    const second = await ensureCloudPki({ dir, hostname: 'localhost', now: later });
    expect(second.action).toBe('renewed');
    expect(second.caPem).toBe(first.caPem);
    expect(second.serverKeyPem).not.toBe(first.serverKeyPem);
    expect(second.serverNotAfter.getTime()).toBe(later.getTime() + 365 * DAY);
    expect(second.warnings[0]).toMatch(/^server certificate re-issued: .*server-chain\.pem expires at /);
  });

  it('re-issues the server certificate when the host name changes', async () => {
    await ensureCloudPki({ dir, hostname: 'localhost', now: NOW });
    const second = await ensureCloudPki({ dir, hostname: '10.1.2.3', now: NOW });
    expect(second.action).toBe('renewed');
    const leaf = new X509Certificate(splitPemCertificates(second.serverCertChainPem)[0] ?? '');
    expect(leaf.subjectAltName).toBe('DNS:localhost, IP Address:10.1.2.3, IP Address:127.0.0.1');
  });

  it('re-issues a server certificate that the CA did not issue or whose key does not match', async () => {
    const first = await ensureCloudPki({ dir, hostname: 'localhost', now: NOW });
    const other = await createCa({ commonName: 'Other', validityDays: 10, now: NOW });
    const foreign = await issueServerCert({ ca: other, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 5, now: NOW });
    await writeFile(join(dir, 'server-chain.pem'), foreign.chainPem);
    await writeFile(join(dir, 'server-key.pem'), foreign.privateKeyPem);
    const second = await ensureCloudPki({ dir, hostname: 'localhost', now: NOW });
    expect(second.warnings[0]).toMatch(/was not issued by .*ca\.pem$/);
    await writeFile(join(dir, 'server-key.pem'), first.serverKeyPem);
    const third = await ensureCloudPki({ dir, hostname: 'localhost', now: NOW });
    expect(third.warnings[0]).toMatch(/server-key\.pem does not match .*server-chain\.pem$/);
  });

  it('never replaces a CA silently', async () => {
    await ensureCloudPki({ dir, hostname: 'localhost', now: NOW });
    await unlink(join(dir, 'ca-key.pem'));
    await expect(ensureCloudPki({ dir, hostname: 'localhost', now: NOW })).rejects.toThrow(
      `${join(dir, 'ca-key.pem')} is missing while its partner exists; restore it or delete ${join(dir, 'ca.pem')} and ${join(dir, 'ca-key.pem')} to create a new CA (every client must then trust the new ca.pem)`,
    );
  });

  it('refuses an expired CA and warns when it expires soon', async () => {
    await ensureCloudPki({ dir, hostname: 'localhost', caValidityDays: 100, now: NOW });
    const soon = await ensureCloudPki({ dir, hostname: 'localhost', now: new Date(NOW.getTime() + 20 * DAY) });
    expect(soon.warnings).toContain(`the CA ${join(dir, 'ca.pem')} expires in 80 days; plan its replacement`);
    const err = await ensureCloudPki({ dir, hostname: 'localhost', now: new Date(NOW.getTime() + 101 * DAY) }).catch((e: unknown) => e);
    expect(isVergeError(err, 'PKI_FILE_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/^the CA .*ca\.pem expired at 2031-09-09T00:00:00\.000Z; delete /);
  });

  it('uses a user-supplied certificate and key, adding intermediates from caFile to the chain', async () => {
    const root = await createCa({ commonName: 'Root', validityDays: 30 });
    const inter = await createCa({ commonName: 'Inter', validityDays: 30, issuer: root });
    const leaf = await issueServerCert({ ca: inter, commonName: 'hub', dnsNames: ['hub'], ipAddresses: [], validityDays: 5 });
    const certFile = join(dir, 'my.pem');
    const keyFile = join(dir, 'my-key.pem');
    const caFile = join(dir, 'bundle.pem');
    await writeFile(certFile, leaf.certificatePem);
    await writeFile(keyFile, leaf.privateKeyPem);
    await writeFile(caFile, inter.certificatePem + root.certificatePem);
    const pki = await ensureCloudPki({ dir, hostname: 'hub', certFile, keyFile, caFile });
    expect(pki.action).toBe('user-supplied');
    expect(pki.caPath).toBe(caFile);
    expect(splitPemCertificates(pki.serverCertChainPem)).toEqual([leaf.certificatePem, inter.certificatePem]);
    const noCa = await ensureCloudPki({ dir, hostname: 'hub', certFile, keyFile });
    expect(noCa.caPem).toBe(leaf.certificatePem);
    expect(noCa.caPath).toBe(certFile);
  });

  it.each([
    [{ certFile: '/x.pem' }, 'certFile and keyFile must be given together (got only certFile)'],
    [{ keyFile: '/x.pem' }, 'certFile and keyFile must be given together (got only keyFile)'],
    [{ certFile: '/nonexistent/c.pem', keyFile: '/nonexistent/k.pem' }, 'certificate file /nonexistent/c.pem does not exist'],
  ])('rejects bad user-supplied file options %#', async (files, message) => {
    await expect(ensureCloudPki({ dir, hostname: 'h', ...files })).rejects.toThrow(message);
  });

  it('rejects a key that does not belong to the user-supplied certificate', async () => {
    const ca = await createCa({ commonName: 'Root', validityDays: 30 });
    const a = await issueServerCert({ ca, commonName: 'a', dnsNames: ['a'], ipAddresses: [], validityDays: 5 });
    const b = await issueServerCert({ ca, commonName: 'b', dnsNames: ['b'], ipAddresses: [], validityDays: 5 });
    await writeFile(join(dir, 'c.pem'), a.chainPem);
    await writeFile(join(dir, 'k.pem'), b.privateKeyPem);
    await expect(ensureCloudPki({ dir, hostname: 'a', certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') })).rejects.toThrow(
      `${join(dir, 'k.pem')} is not the private key of the first certificate in ${join(dir, 'c.pem')}`,
    );
  });
});

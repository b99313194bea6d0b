import { statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa, type CertificateAuthority, type IssuedCertificate } from '@verge/platform';
import { tempDir } from '@verge/testkit';
import { cachedServerCertProblem, reusableServerCert, serverCertCachePaths, writeCachedServerCert } from '../../../src/hub/tls/server-cert-cache.js';
import { issueHubServerCert, renewAtMs } from '../../../src/hub/tls/server-cert.js';

// The hub keeps its server certificate in its data directory so that a restart does not issue one (issuing loads
// @peculiar/x509, issue 8). A stored certificate is served only while it is right for the current edge CA and host.

describe('the hub server certificate cache', () => {
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let cert: IssuedCertificate;
  const now = Date.now();

  beforeAll(async () => {
    ca = await createCa({ commonName: 'Verge Edge CA test', validityDays: 30, pathLength: 0 });
    otherCa = await createCa({ commonName: 'Verge Edge CA other', validityDays: 30, pathLength: 0 });
    cert = await issueHubServerCert(ca, 'gw.example');
  });

  it('accepts a certificate of the current CA for the same host before its renewal point', () => {
    expect(cachedServerCertProblem(cert.certificatePem, cert.privateKeyPem, ca, 'gw.example', now)).toBeUndefined();
  });

  it('refuses one issued by another CA, for another host, with another key, or due for renewal', async () => {
    expect(cachedServerCertProblem(cert.certificatePem, cert.privateKeyPem, otherCa, 'gw.example', now)).toBe('not issued by the current edge CA');
    expect(cachedServerCertProblem(cert.certificatePem, cert.privateKeyPem, ca, 'other.example', now)).toBe('issued for other host names');
    expect(cachedServerCertProblem(cert.certificatePem, cert.privateKeyPem, ca, '10.1.2.3', now)).toBe('issued for other host names');
    const other = await issueHubServerCert(ca, 'gw.example');
    expect(cachedServerCertProblem(cert.certificatePem, other.privateKeyPem, ca, 'gw.example', now)).toBe('the key does not match the certificate');
    expect(cachedServerCertProblem(cert.certificatePem, cert.privateKeyPem, ca, 'gw.example', renewAtMs(cert))).toBe('due for renewal');
    expect(cachedServerCertProblem('not a certificate', cert.privateKeyPem, ca, 'gw.example', now)).toMatch(/^unreadable: /);
  });

  it('stores key and certificate 0600 and serves the stored certificate with the chain of the current CA', async () => {
    const tmp = tempDir('verge-hubcert-');
    try {
      expect(await reusableServerCert(tmp.dir, ca, 'gw.example', now)).toBeUndefined();
      await writeCachedServerCert(tmp.dir, cert);
      for (const f of [serverCertCachePaths(tmp.dir).key, serverCertCachePaths(tmp.dir).cert]) expect(statSync(f).mode & 0o777).toBe(0o600);
      const reused = await reusableServerCert(tmp.dir, ca, 'gw.example', now);
      expect(reused?.certificatePem).toBe(cert.certificatePem);
      expect(reused?.chainPem).toBe(cert.chainPem);
      expect(reused?.notAfter.getTime()).toBe(Math.floor(cert.notAfter.getTime() / 1000) * 1000);
      expect(await reusableServerCert(tmp.dir, otherCa, 'gw.example', now)).toBeUndefined();
    } finally {
      tmp.cleanup();
    }
  });
});

import { X509Certificate, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import {
  certificateThumbprint,
  createCa,
  issueClientCert,
  issueServerCert,
  normalizeThumbprint,
  splitPemCertificates,
  thumbprintMatches,
} from '../../../src/pki/index.js';

const NOW = new Date('2030-01-01T00:00:00Z');

function expectPkiError(fn: () => Promise<unknown>, message: string): Promise<void> {
  return fn().then(
    () => expect.fail('expected PKI_PARAMETER_INVALID'),
    (e: unknown) => {
      expect(isVergeError(e, 'PKI_PARAMETER_INVALID')).toBe(true);
      expect((e as Error).message).toBe(message);
    },
  );
}

describe.each(['ecdsa-p256', 'rsa-2048'] as const)('certificates with %s keys', (keyAlgorithm) => {
  it('creates a self-signed root CA with CA constraints and the requested validity', async () => {
    const ca = await createCa({ commonName: 'Test Root', validityDays: 10, keyAlgorithm, now: NOW });
    const cert = new X509Certificate(ca.certificatePem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=Test Root');
    expect(cert.issuer).toBe('CN=Test Root');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBe(NOW.getTime() + 10 * 86_400_000);
    expect(new Date(cert.validFrom).getTime()).toBe(NOW.getTime() - 5 * 60_000);
    expect(cert.keyUsage).toBeUndefined(); // Node's keyUsage is the extendedKeyUsage: a CA carries none
    expect(ca.issuerChainPem).toEqual([]);
    expect(ca.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('issues a server certificate with DNS and IP SANs, serverAuth and the full chain', async () => {
    const ca = await createCa({ commonName: 'Test Root', validityDays: 30, keyAlgorithm, now: NOW });
    const server = await issueServerCert({
      ca,
      commonName: 'hub.example',
      dnsNames: ['hub.example', 'localhost'],
      ipAddresses: ['127.0.0.1', '::1'],
      validityDays: 365,
      keyAlgorithm,
      now: NOW,
    });
    const leaf = new X509Certificate(server.certificatePem);
    const caCert = new X509Certificate(ca.certificatePem);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:hub.example, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.checkHost('hub.example')).toBe('hub.example');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    // A leaf never outlives its CA.
    expect(leaf.validTo).toBe(caCert.validTo);
    expect(splitPemCertificates(server.chainPem)).toEqual([server.certificatePem, ca.certificatePem]);
  });

  it('issues intermediates whose leaves carry the whole chain up to the root', async () => {
    const root = await createCa({ commonName: 'Root', validityDays: 30, keyAlgorithm, now: NOW });
    const edgeCa = await createCa({ commonName: 'Edge CA', validityDays: 60, issuer: root, pathLength: 0, keyAlgorithm, now: NOW });
    const edgeCert = new X509Certificate(edgeCa.certificatePem);
    expect(edgeCert.ca).toBe(true);
    expect(edgeCert.checkIssued(new X509Certificate(root.certificatePem))).toBe(true);
    expect(edgeCert.validTo).toBe(new X509Certificate(root.certificatePem).validTo);
    expect(edgeCa.issuerChainPem).toEqual([root.certificatePem]);
    const leaf = await issueServerCert({ ca: edgeCa, commonName: 'edgehub', dnsNames: ['edgehub'], ipAddresses: [], validityDays: 5, keyAlgorithm, now: NOW });
    expect(splitPemCertificates(leaf.chainPem)).toEqual([leaf.certificatePem, edgeCa.certificatePem, root.certificatePem]);
  });

  it('issues self-signed and CA-signed client certificates with clientAuth', async () => {
    const selfSigned = await issueClientCert({ commonName: 'device-1', validityDays: 1, keyAlgorithm, now: NOW });
    const cert = new X509Certificate(selfSigned.certificatePem);
    expect(cert.subject).toBe('CN=device-1');
    expect(cert.issuer).toBe('CN=device-1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(selfSigned.chainPem).toBe(selfSigned.certificatePem);
    const ca = await createCa({ commonName: 'Devices CA', validityDays: 3, keyAlgorithm, now: NOW });
    const signed = await issueClientCert({ ca, commonName: 'device-2', validityDays: 1, keyAlgorithm, now: NOW });
    expect(new X509Certificate(signed.certificatePem).checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
  });
});

describe('certificate parameters', () => {
  const ca = createCa({ commonName: 'Params CA', validityDays: 1 });
  it.each([
    [() => createCa({ commonName: '', validityDays: 1 }), 'commonName must not be empty'],
    [() => createCa({ commonName: 'x'.repeat(65), validityDays: 1 }), 'commonName is 65 characters long; at most 64 are allowed (X.520 ub-common-name)'],
    [() => createCa({ commonName: 'a\nb', validityDays: 1 }), 'commonName must not contain control characters'],
    [() => createCa({ commonName: 'a', validityDays: 0 }), 'validityDays must be a positive number of days, got 0'],
    [() => createCa({ commonName: 'a', validityDays: Number.NaN }), 'validityDays must be a positive number of days, got NaN'],
    [() => createCa({ commonName: 'a', validityDays: 36_501 }), 'validityDays is 36501; at most 36500 days are allowed'],
    [() => createCa({ commonName: 'a', validityDays: 1, pathLength: -1 }), 'pathLength must be a non-negative integer, got -1'],
    [
      async () => issueServerCert({ ca: await ca, commonName: 'h', dnsNames: ['ok', 'bad name'], ipAddresses: [], validityDays: 1 }),
      "dnsNames[1] 'bad name' is not a valid DNS name (RFC 1123 labels, optional leading '*.')",
    ],
    [
      async () => issueServerCert({ ca: await ca, commonName: 'h', dnsNames: [], ipAddresses: ['256.1.1.1'], validityDays: 1 }),
      "ipAddresses[0] '256.1.1.1' is not an IPv4 or IPv6 address",
    ],
  ])('rejects bad parameters (%#)', (fn, message) => expectPkiError(fn, message));

  it('accepts a wildcard DNS name', async () => {
    const cert = await issueServerCert({ ca: await ca, commonName: 'h', dnsNames: ['*.hub.example'], ipAddresses: [], validityDays: 1 });
    expect(new X509Certificate(cert.certificatePem).checkHost('a.hub.example')).toBe('*.hub.example');
  });
});

describe('thumbprints', () => {
  it('computes uppercase SHA-1 and SHA-256 of the DER, as IoT Hub shows them', async () => {
    const { certificatePem } = await issueClientCert({ commonName: 'd', validityDays: 1 });
    const der = new X509Certificate(certificatePem).raw;
    const tp = certificateThumbprint(certificatePem);
    expect(tp.sha1).toBe(createHash('sha1').update(der).digest('hex').toUpperCase());
    expect(tp.sha256).toBe(createHash('sha256').update(der).digest('hex').toUpperCase());
    expect(tp.sha1).toBe(new X509Certificate(certificatePem).fingerprint.replace(/:/g, ''));
    expect(thumbprintMatches(tp.sha1.toLowerCase(), tp)).toBe(true);
    expect(thumbprintMatches(new X509Certificate(certificatePem).fingerprint256, tp)).toBe(true);
    expect(thumbprintMatches('00'.repeat(20), tp)).toBe(false);
    expect(thumbprintMatches('', tp)).toBe(false);
  });

  it.each([
    ['ab:cd:' + 'ef'.repeat(18), 'ABCD' + 'EF'.repeat(18)],
    ['AB CD ' + '01'.repeat(30), 'ABCD' + '01'.repeat(30)],
    ['abc', undefined],
    ['g'.repeat(40), undefined],
    ['a'.repeat(41), undefined],
  ])('normalizes %s', (input, expected) => {
    expect(normalizeThumbprint(input)).toBe(expected);
  });

  it('rejects text without a certificate', () => {
    expect(() => certificateThumbprint('nothing here')).toThrow("certificate holds no PEM certificate (no '-----BEGIN CERTIFICATE-----' block)");
  });
});

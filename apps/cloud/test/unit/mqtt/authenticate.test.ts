import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSasToken, deviceResource, moduleResource } from '@verge/core';
import { certificateThumbprint, issueClientCert } from '@verge/platform';
import type { IssuedCertificate } from '@verge/platform';
import { authenticate } from '../../../src/mqtt/authenticate.js';
import type { AuthResult, ConnectCredentials, PeerCertificate } from '@verge/iothub-mqtt';
import { FakeServices, PRIMARY_KEY, SECONDARY_KEY, sasIdentity } from '../../integration/mqtt-support/fake-services.js';

const HOST = 'hub.example';
const NOW_MS = 1_900_000_000_000;
const NOW_SEC = NOW_MS / 1000;
// The port the client connected to: the user name and audiences may name the host with it.
const LOCAL_PORT = 8883;
const user = (clientId: string, host = HOST) => `${host}/${clientId}/?api-version=2021-04-12`;
const token = (resource: string, key = PRIMARY_KEY, expirySec = NOW_SEC + 3600) => Buffer.from(createSasToken({ resource, key, expirySec }));

let services: FakeServices;
let cert: IssuedCertificate;
let otherCert: IssuedCertificate;
const peer = (c: IssuedCertificate): PeerCertificate => {
  const x = new X509Certificate(c.certificatePem);
  return { der: x.raw, validFromMs: Date.parse(x.validFrom), validToMs: Date.parse(x.validTo) };
};

beforeAll(async () => {
  cert = await issueClientCert({ commonName: 'x509dev', validityDays: 1, now: new Date(NOW_MS) });
  otherCert = await issueClientCert({ commonName: 'x509dev', validityDays: 1, now: new Date(NOW_MS) });
  services = new FakeServices();
  services.addIdentity(sasIdentity('d1'));
  services.addIdentity(sasIdentity('d1', 'm1'));
  services.addIdentity(sasIdentity('off', undefined, 'disabled'));
  services.addIdentity({
    deviceId: 'x509dev',
    status: 'enabled',
    authentication: { type: 'selfSigned', primaryThumbprint: certificateThumbprint(cert.certificatePem).sha1, secondaryThumbprint: '' },
    isEdge: false,
  });
  services.addIdentity({ deviceId: 'cadev', status: 'enabled', authentication: { type: 'certificateAuthority' }, isEdge: false });
});

async function run(creds: Partial<ConnectCredentials> & { clientId: string }): Promise<AuthResult> {
  return authenticate({ username: user(creds.clientId), password: undefined, peerCertificate: undefined, localPort: LOCAL_PORT, ...creds }, { services, hostname: HOST, nowMs: NOW_MS });
}

describe('authenticate', () => {
  it.each([
    ['device, primary key', { clientId: 'd1', password: token(deviceResource(HOST, 'd1')) }],
    ['device, secondary key', { clientId: 'd1', password: token(deviceResource(HOST, 'd1'), SECONDARY_KEY) }],
    ['device, host with port (HostName=host:port)', { clientId: 'd1', username: user('d1', `${HOST}:8883`), password: token(deviceResource(`${HOST}:8883`, 'd1')) }],
    ['device, host name in other case', { clientId: 'd1', username: user('d1', 'HUB.example'), password: token(deviceResource('HUB.EXAMPLE', 'd1')) }],
    ['device, expired within the 5-minute skew', { clientId: 'd1', password: token(deviceResource(HOST, 'd1'), PRIMARY_KEY, NOW_SEC - 200) }],
    ['module', { clientId: 'd1/m1', password: token(moduleResource(HOST, 'd1', 'm1')) }],
  ])('accepts a SAS token: %s', async (_name, creds) => {
    const r = await run(creds);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.method).toBe('sas');
  });

  it('reports when the token stops being valid (expiry + skew)', async () => {
    const r = await run({ clientId: 'd1', password: token(deviceResource(HOST, 'd1'), PRIMARY_KEY, NOW_SEC + 60) });
    expect(r).toMatchObject({ ok: true, validUntilMs: (NOW_SEC + 60 + 300) * 1000 });
  });

  it('accepts a self-signed X.509 device by thumbprint (SHA-1 or SHA-256, any formatting)', async () => {
    expect(await run({ clientId: 'x509dev', peerCertificate: peer(cert) })).toMatchObject({ ok: true, method: 'x509' });
    services.addIdentity({
      deviceId: 'x509b',
      status: 'enabled',
      authentication: { type: 'selfSigned', primaryThumbprint: 'ab'.repeat(20), secondaryThumbprint: new X509Certificate(cert.certificatePem).fingerprint256.toLowerCase() },
      isEdge: false,
    });
    expect(await run({ clientId: 'x509b', peerCertificate: peer(cert) })).toMatchObject({ ok: true, method: 'x509' });
  });

  it.each<[string, Partial<ConnectCredentials> & { clientId: string }, number, string | RegExp]>([
    ['malformed client id', { clientId: 'a/b/c' }, 2, "client id 'a/b/c' is not '{deviceId}' or '{deviceId}/{moduleId}'"],
    ['user name of another hub', { clientId: 'd1', username: user('d1', 'other.hub'), password: token(deviceResource(HOST, 'd1')) }, 4, "user name names hub 'other.hub', this hub is 'hub.example'"],
    ['unknown device', { clientId: 'ghost', password: token(deviceResource(HOST, 'ghost')) }, 5, "device 'ghost' is not registered"],
    ['unknown module', { clientId: 'd1/ghost', password: token(moduleResource(HOST, 'd1', 'ghost')) }, 5, "module 'd1/ghost' is not registered"],
    ['disabled device', { clientId: 'off', password: token(deviceResource(HOST, 'off')) }, 5, "device 'off' is disabled"],
    ['no password', { clientId: 'd1' }, 4, "device 'd1' authenticates with a SAS token, but CONNECT has no password"],
    ['wrong key', { clientId: 'd1', password: token(deviceResource(HOST, 'd1'), Buffer.alloc(32, 9).toString('base64')) }, 4, 'SAS token signature does not match any key of the identity'],
    ['expired token', { clientId: 'd1', password: token(deviceResource(HOST, 'd1'), PRIMARY_KEY, NOW_SEC - 301) }, 4, /^SAS token expired at /],
    ['token of another device', { clientId: 'd1', password: token(deviceResource(HOST, 'd2')) }, 4, "SAS token audience 'hub.example/devices/d2' is not accepted here"],
    ['device token used by its module', { clientId: 'd1/m1', password: token(deviceResource(HOST, 'd1')) }, 4, "SAS token audience 'hub.example/devices/d1' is not accepted here"],
    ['garbage password', { clientId: 'd1', password: Buffer.from('hello') }, 4, "malformed SAS token: a SAS token must start with 'SharedAccessSignature ' (the prefix is case-sensitive)"],
    ['X.509 device without certificate', { clientId: 'x509dev', password: token(deviceResource(HOST, 'x509dev')) }, 4, "device 'x509dev' authenticates with an X.509 certificate, but the client presented none"],
    ['CA-signed X.509 device', { clientId: 'cadev' }, 5, "device 'cadev' uses CA-signed X.509 authentication, which this cloud does not support"],
  ])('refuses: %s', async (_name, creds, returnCode, reason) => {
    const r = await run(creds);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.returnCode).toBe(returnCode);
    if (typeof reason === 'string') expect(r.reason).toBe(reason);
    else expect(r.reason).toMatch(reason);
  });

  it('refuses a certificate whose thumbprint is not registered, or that is outside its validity', async () => {
    const wrong = await run({ clientId: 'x509dev', peerCertificate: peer(otherCert) });
    expect(wrong).toEqual({ ok: false, returnCode: 4, reason: `client certificate thumbprint ${certificateThumbprint(otherCert.certificatePem).sha1} is not registered for device 'x509dev'` });
    const expired = await authenticate(
      { clientId: 'x509dev', username: user('x509dev'), password: undefined, peerCertificate: peer(cert), localPort: LOCAL_PORT },
      { services, hostname: HOST, nowMs: NOW_MS + 2 * 86_400_000 },
    );
    expect(expired).toEqual({ ok: false, returnCode: 4, reason: "the client certificate of device 'x509dev' is outside its validity period" });
  });
});

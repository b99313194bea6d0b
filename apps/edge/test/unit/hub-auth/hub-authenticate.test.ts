import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSasToken, deriveModuleKey, deviceResource, moduleResource } from '@verge/core';
import { type ConnectCredentials } from '@verge/iothub-mqtt';
import { certificateThumbprint, issueClientCert, type IssuedCertificate } from '@verge/platform';
import { authenticateHubClient, type HubAuthContext } from '../../../src/hub/auth/hub-authenticate.js';
import type { ScopeIdentity } from '../../../src/hub/scope/scope-identity.js';

const HUB = 'hub.example';
const GW = 'gateway.local';
const EDGE = 'edge1';
const DEVICE_KEY = Buffer.alloc(32, 7).toString('base64');
const LEAF_KEY = Buffer.alloc(32, 9).toString('base64');
const LEAF_KEY2 = Buffer.alloc(32, 10).toString('base64');
const NOW_MS = 1_900_000_000_000;
const NOW_SEC = NOW_MS / 1000;
const GEN = { modA: 'gen-a', modB: 'gen-b', $edgeHub: 'gen-hub' } as Record<string, string>;
const moduleKey = (m: string, which: 'primary' | 'secondary' = 'primary', gen = GEN[m] ?? 'x') => deriveModuleKey(DEVICE_KEY, m, gen, which);
const user = (clientId: string, host = HUB) => `${host}/${clientId}/?api-version=2021-04-12&DeviceClientType=azure-iot-device%2F1.18.4`;
const token = (resource: string, key: string, expirySec = NOW_SEC + 3600) => Buffer.from(createSasToken({ resource, key, expirySec }));

let cert: IssuedCertificate;
let otherCert: IssuedCertificate;
let scope: Map<string, ScopeIdentity>;

beforeAll(async () => {
  cert = await issueClientCert({ commonName: 'x509leaf', validityDays: 1, now: new Date(NOW_MS) });
  otherCert = await issueClientCert({ commonName: 'x509leaf', validityDays: 1, now: new Date(NOW_MS) });
  scope = new Map<string, ScopeIdentity>([
    ['leaf1', { deviceId: 'leaf1', status: 'enabled', authentication: { type: 'sas', primaryKey: LEAF_KEY, secondaryKey: LEAF_KEY2 } }],
    ['offleaf', { deviceId: 'offleaf', status: 'disabled', authentication: { type: 'sas', primaryKey: LEAF_KEY, secondaryKey: LEAF_KEY2 } }],
    ['x509leaf', { deviceId: 'x509leaf', status: 'enabled', authentication: { type: 'selfSigned', primaryThumbprint: certificateThumbprint(cert.certificatePem).sha1, secondaryThumbprint: '' } }],
  ]);
});

function ctx(): HubAuthContext {
  return {
    edgeDeviceId: EDGE,
    deviceKey: DEVICE_KEY,
    resolveModule: (m) => (GEN[m] === undefined ? undefined : { generationId: GEN[m] }),
    leaf: (d) => scope.get(d),
    audienceHosts: [HUB, GW, `${GW}:28883`],
    nowMs: NOW_MS,
  };
}

function peer(c: IssuedCertificate): ConnectCredentials['peerCertificate'] {
  const x = new X509Certificate(c.certificatePem);
  return { der: x.raw, validFromMs: Date.parse(x.validFrom), validToMs: Date.parse(x.validTo) };
}

function run(creds: Partial<ConnectCredentials> & { clientId: string }) {
  return authenticateHubClient({ username: user(creds.clientId), password: undefined, peerCertificate: undefined, ...creds }, ctx());
}

describe('authenticateHubClient: accepted', () => {
  it.each([
    ['module, derived primary key, IoT hub audience', { clientId: `${EDGE}/modA`, password: token(moduleResource(HUB, EDGE, 'modA'), moduleKey('modA')) }],
    ['module, derived secondary key', { clientId: `${EDGE}/modA`, password: token(moduleResource(HUB, EDGE, 'modA'), moduleKey('modA', 'secondary')) }],
    ['module, gateway host audience (§5.2)', { clientId: `${EDGE}/modA`, password: token(moduleResource(GW, EDGE, 'modA'), moduleKey('modA')) }],
    ['module, gateway host:port audience', { clientId: `${EDGE}/modA`, password: token(moduleResource(`${GW}:28883`, EDGE, 'modA'), moduleKey('modA')) }],
    ['module, device-scoped audience (EH ValidateAudienceIds)', { clientId: `${EDGE}/modA`, password: token(deviceResource(HUB, EDGE), moduleKey('modA')) }],
    ['module, user name host not checked (EH)', { clientId: `${EDGE}/modB`, username: user(`${EDGE}/modB`, 'any.host'), password: token(moduleResource(HUB, EDGE, 'modB'), moduleKey('modB')) }],
    ['module, expired within the 5-minute skew', { clientId: `${EDGE}/modA`, password: token(moduleResource(HUB, EDGE, 'modA'), moduleKey('modA'), NOW_SEC - 200) }],
    ['leaf, primary key from the scope', { clientId: 'leaf1', password: token(deviceResource(HUB, 'leaf1'), LEAF_KEY) }],
    ['leaf, secondary key, gateway audience', { clientId: 'leaf1', password: token(deviceResource(GW, 'leaf1'), LEAF_KEY2) }],
  ])('%s', (_name, creds) => {
    const r = run(creds);
    expect(r).toMatchObject({ ok: true, method: 'sas' });
  });

  it('accepts a leaf with a registered self-signed certificate', () => {
    expect(run({ clientId: 'x509leaf', peerCertificate: peer(cert) })).toMatchObject({ ok: true, method: 'x509' });
  });

  it('reports the token expiry (+ skew) as validUntilMs', () => {
    const r = run({ clientId: `${EDGE}/modA`, password: token(moduleResource(HUB, EDGE, 'modA'), moduleKey('modA'), NOW_SEC + 60) });
    expect(r).toMatchObject({ ok: true, validUntilMs: (NOW_SEC + 60 + 300) * 1000 });
  });
});

describe('authenticateHubClient: refused', () => {
  it.each([
    [
      'a module of another device',
      { clientId: 'other/modA', password: token(moduleResource(HUB, 'other', 'modA'), moduleKey('modA')) },
      5,
      "module 'other/modA' belongs to device 'other'; this edge hub serves the modules of 'edge1'",
    ],
    ['the hub itself', { clientId: `${EDGE}/$edgeHub`, password: token(moduleResource(HUB, EDGE, '$edgeHub'), moduleKey('$edgeHub')) }, 5, "'$edgeHub' is the edge hub itself and cannot connect to it"],
    [
      'the edge device as a leaf',
      { clientId: EDGE, password: token(deviceResource(HUB, EDGE), DEVICE_KEY) },
      5,
      "the edge device 'edge1' cannot connect to its own hub as a leaf device; its modules connect as 'edge1/{moduleId}'",
    ],
    ['an undeployed module', { clientId: `${EDGE}/ghost`, password: token(moduleResource(HUB, EDGE, 'ghost'), moduleKey('ghost')) }, 5, "module 'edge1/ghost' is not deployed on this edge device"],
    [
      'a device outside the scope',
      { clientId: 'stranger', password: token(deviceResource(HUB, 'stranger'), LEAF_KEY) },
      5,
      "device 'stranger' is not in the device scope of edge device 'edge1' (not a child of it, or the scope has not been synced from the cloud yet)",
    ],
    ['a disabled leaf', { clientId: 'offleaf', password: token(deviceResource(HUB, 'offleaf'), LEAF_KEY) }, 5, "device 'offleaf' is disabled"],
    ['a malformed client id', { clientId: 'a/b/c', password: token(deviceResource(HUB, 'a'), LEAF_KEY) }, 2, "client id 'a/b/c' is not '{deviceId}' or '{deviceId}/{moduleId}'"],
  ])('%s → CONNACK %i', (_name, creds, code, reason) => {
    expect(run(creds)).toEqual({ ok: false, returnCode: code, reason });
  });

  it.each([
    ['a module key of an older generation', { clientId: `${EDGE}/modA`, password: token(moduleResource(HUB, EDGE, 'modA'), moduleKey('modA', 'primary', 'gen-old')) }, /signature/i],
    ["another module's key", { clientId: `${EDGE}/modA`, password: token(moduleResource(HUB, EDGE, 'modA'), moduleKey('modB')) }, /signature/i],
    ['the device key for a module (module tokens are signed with module keys)', { clientId: `${EDGE}/modA`, password: token(moduleResource(HUB, EDGE, 'modA'), DEVICE_KEY) }, /signature/i],
    ["a token for another module", { clientId: `${EDGE}/modA`, password: token(moduleResource(HUB, EDGE, 'modB'), moduleKey('modA')) }, /audience/i],
    ['a token for an unknown host', { clientId: `${EDGE}/modA`, password: token(moduleResource('evil.example', EDGE, 'modA'), moduleKey('modA')) }, /audience/i],
    ['an expired token', { clientId: `${EDGE}/modA`, password: token(moduleResource(HUB, EDGE, 'modA'), moduleKey('modA'), NOW_SEC - 400) }, /expired/i],
    ['no password', { clientId: 'leaf1' }, /no password/],
    ['garbage as password', { clientId: 'leaf1', password: Buffer.from('not a token') }, /SharedAccessSignature|malformed|token/i],
    ['a user name naming another client', { clientId: 'leaf1', username: user('leaf2'), password: token(deviceResource(HUB, 'leaf1'), LEAF_KEY) }, /not the client id/],
    ['a user name without api-version', { clientId: 'leaf1', username: `${HUB}/leaf1`, password: token(deviceResource(HUB, 'leaf1'), LEAF_KEY) }, /api-version/],
  ])('%s → CONNACK 4', (_name, creds, reason) => {
    const r = run(creds);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.returnCode).toBe(4);
      expect(r.reason).toMatch(reason);
    }
  });

  it('refuses a certificate that is not registered, and no certificate', () => {
    expect(run({ clientId: 'x509leaf', peerCertificate: peer(otherCert) })).toMatchObject({ ok: false, returnCode: 4 });
    expect(run({ clientId: 'x509leaf' })).toEqual({
      ok: false,
      returnCode: 4,
      reason: "device 'x509leaf' authenticates with an X.509 certificate, but the client presented none",
    });
  });
});

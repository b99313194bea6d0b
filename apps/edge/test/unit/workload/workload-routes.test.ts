import { X509Certificate } from 'node:crypto';
import { deriveModuleKey, signWithKey } from '@verge/core';
import { describe, expect, it } from 'vitest';
import { handleWorkloadRequest, type WorkloadCaller, type WorkloadRequest } from '../../../src/workload/index.js';
import { DEVICE_KEY, NOW_MS, edgeCa, testContext } from './fixture.js';

const V = 'api-version=2018-06-28';
const ANY: WorkloadCaller = { kind: 'any' };
const DATA = Buffer.from('hub.local%2Fdevices%2Fedge1%2Fmodules%2FmodA\n1795724450').toString('base64');

function req(method: string, url: string, body?: unknown, caller: WorkloadCaller = ANY): WorkloadRequest {
  return { method, url, body, caller };
}

async function call(request: WorkloadRequest) {
  return handleWorkloadRequest(request, await testContext());
}

describe('workload API: sign (reference §7.1, azure-sdk-protocol.md §7)', () => {
  it('signs base64 data with the module key derived from the device key', async () => {
    const res = await call(req('POST', `/modules/modA/genid/gen-a/sign?${V}`, { keyId: 'primary', algo: 'HMACSHA256', data: DATA }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ digest: signWithKey(deriveModuleKey(DEVICE_KEY, 'modA', 'gen-a', 'primary'), DATA) });
  });

  it.each([
    ['keyId secondary', { keyId: 'secondary', data: DATA }, 'secondary'],
    ['no keyId and no algo (edged reads only data)', { data: DATA }, 'primary'],
  ] as const)('%s', async (_name, body, keyId) => {
    const res = await call(req('POST', `/modules/modA/genid/gen-a/sign?${V}`, body));
    expect(res.body).toEqual({ digest: signWithKey(deriveModuleKey(DEVICE_KEY, 'modA', 'gen-a', keyId), DATA) });
  });

  it('decodes percent-encoded module and generation ids (the SDK uses encodeUriComponentStrict)', async () => {
    const res = await call(req('POST', `/modules/mod%3Ab/genid/gen%2Db/sign?${V}`, { data: DATA }));
    expect(res.body).toEqual({ digest: signWithKey(deriveModuleKey(DEVICE_KEY, 'mod:b', 'gen-b', 'primary'), DATA) });
  });

  it('accepts every documented api-version', async () => {
    for (const version of ['2018-06-28', '2019-01-30', '2019-10-22', '2019-11-05', '2020-07-07', '2021-12-07', '2022-08-03']) {
      expect((await call(req('POST', `/modules/modA/genid/gen-a/sign?api-version=${version}`, { data: DATA }))).status).toBe(200);
    }
  });

  it.each([
    ['no api-version', req('POST', '/modules/modA/genid/gen-a/sign', { data: DATA }), 400, 'the query parameter api-version is required (accepted: 2018-06-28, 2019-01-30, 2019-10-22, 2019-11-05, 2020-07-07, 2021-12-07, 2022-08-03)'],
    ['unknown api-version', req('POST', '/modules/modA/genid/gen-a/sign?api-version=2017-01-01', { data: DATA }), 400, 'api-version "2017-01-01" is not supported (accepted: 2018-06-28, 2019-01-30, 2019-10-22, 2019-11-05, 2020-07-07, 2021-12-07, 2022-08-03)'],
    ['unknown module', req('POST', `/modules/nobody/genid/gen-a/sign?${V}`, { data: DATA }), 404, 'no module "nobody" is deployed on this device'],
    ['stale generation', req('POST', `/modules/modA/genid/old/sign?${V}`, { data: DATA }), 404, 'module "modA" has no identity generation "old" (a stale generation id)'],
    ['another module on a module socket', req('POST', `/modules/modA/genid/gen-a/sign?${V}`, { data: DATA }, { kind: 'module', moduleId: 'mod:b' }), 403, 'the workload socket of module "mod:b" cannot act for module "modA"'],
    ['no body', req('POST', `/modules/modA/genid/gen-a/sign?${V}`), 400, 'the request body must be a JSON object'],
    ['array body', req('POST', `/modules/modA/genid/gen-a/sign?${V}`, [DATA]), 400, 'the request body must be a JSON object'],
    ['no data', req('POST', `/modules/modA/genid/gen-a/sign?${V}`, { keyId: 'primary' }), 400, 'body.data is required: base64 of the bytes to sign'],
    ['data not base64', req('POST', `/modules/modA/genid/gen-a/sign?${V}`, { data: 'not base64!' }), 400, 'body.data must be standard base64 (RFC 4648 §4, with padding)'],
    ['bad keyId', req('POST', `/modules/modA/genid/gen-a/sign?${V}`, { keyId: 'tertiary', data: DATA }), 400, 'body.keyId must be "primary" or "secondary"'],
    ['bad algo', req('POST', `/modules/modA/genid/gen-a/sign?${V}`, { algo: 'HMACSHA1', data: DATA }), 400, 'body.algo must be "HMACSHA256", the only algorithm the workload API signs with'],
    ['GET on sign', req('GET', `/modules/modA/genid/gen-a/sign?${V}`), 404, 'no workload API route GET /modules/modA/genid/gen-a/sign'],
    ['bad percent-encoding', req('POST', `/modules/mod%ZZ/genid/g/sign?${V}`, { data: DATA }), 400, 'the path segment "mod%ZZ" is not valid percent-encoding'],
    ['unknown route', req('GET', `/nothing?${V}`), 404, 'no workload API route GET /nothing'],
    ['encrypt (not served)', req('POST', `/modules/modA/genid/gen-a/encrypt?${V}`, {}), 404, 'no workload API route POST /modules/modA/genid/gen-a/encrypt'],
  ])('refuses: %s', async (_name, request, status, message) => {
    const res = await call(request);
    expect(res).toEqual({ status, body: { message } });
  });
});

describe('workload API: trust bundle and module list', () => {
  it('GET /trust-bundle answers the PEM bundle', async () => {
    const ca = await edgeCa();
    const res = await call(req('GET', `/trust-bundle?${V}`));
    expect(res).toEqual({ status: 200, body: { certificate: expect.stringContaining('-----BEGIN CERTIFICATE-----') } });
    expect(new X509Certificate((res.body as { certificate: string }).certificate).raw).toEqual(new X509Certificate(ca.certificatePem).raw);
  });

  it('GET /modules: 404 when the runtime gives no list, the list otherwise', async () => {
    expect(await call(req('GET', `/modules?${V}`))).toEqual({ status: 404, body: { message: 'GET /modules is not served by this runtime' } });
    const modules = [{ id: 'modA', name: 'modA', type: 'docker', config: { settings: {}, env: [] }, status: { runtimeStatus: { status: 'running' } } }];
    const context = await testContext({ listModules: async () => modules });
    expect(await handleWorkloadRequest(req('GET', `/modules?${V}`), context)).toEqual({ status: 200, body: { modules } });
  });

  it('an unexpected failure of the runtime becomes a 500 with a generic message', async () => {
    const context = await testContext({ listModules: () => Promise.reject(new Error('secret detail')) });
    expect(await handleWorkloadRequest(req('GET', `/modules?${V}`), context)).toEqual({ status: 500, body: { message: 'internal error of the workload API' } });
  });
});

describe('workload API: server certificate', () => {
  const url = `/modules/%24edgeHub/genid/gen-hub/certificate/server?${V}`;

  it('issues a certificate from the edge CA: CN as asked, SANs = CN + module id without "$", 201 with key, chain and expiration', async () => {
    const ca = await edgeCa();
    const res = await call(req('POST', url, { commonName: 'gateway.local', expiration: '2030-01-11T00:00:00Z' }));
    expect(res.status).toBe(201);
    const body = res.body as { privateKey: { type: string; bytes: string }; certificate: string; expiration: string };
    expect(body.privateKey.type).toBe('key');
    expect(body.privateKey.bytes).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const [leafPem, issuerPem] = body.certificate.split(/(?<=-----END CERTIFICATE-----\n)/);
    const leaf = new X509Certificate(leafPem ?? '');
    expect(leaf.subject).toBe('CN=gateway.local');
    expect(leaf.subjectAltName).toBe('DNS:gateway.local, DNS:edgeHub');
    expect(leaf.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(new X509Certificate(issuerPem ?? '').raw).toEqual(new X509Certificate(ca.certificatePem).raw);
    expect(body.expiration).toBe('2030-01-11T00:00:00.000Z');
    expect(leaf.checkPrivateKey((await import('node:crypto')).createPrivateKey(body.privateKey.bytes))).toBe(true);
  });

  it('defaults to 30 days, caps at 90, takes an IP common name as an IP SAN, skips a module id that is no host name', async () => {
    const plain = await call(req('POST', url, { commonName: '10.0.0.5' }));
    const cert = new X509Certificate((plain.body as { certificate: string }).certificate);
    expect(cert.subjectAltName).toBe('DNS:edgeHub, IP Address:10.0.0.5');
    expect(Date.parse(cert.validTo) - NOW_MS).toBe(30 * 86_400_000);
    const capped = await call(req('POST', url, { commonName: 'gw', expiration: '2031-01-01T00:00:00Z' }));
    expect((capped.body as { expiration: string }).expiration).toBe(new Date(NOW_MS + 90 * 86_400_000).toISOString());
    const odd = await call(req('POST', `/modules/mod%3Ab/genid/gen-b/certificate/server?${V}`, { commonName: 'gw' }));
    expect(new X509Certificate((odd.body as { certificate: string }).certificate).subjectAltName).toBe('DNS:gw');
  });

  it.each([
    ['no commonName', {}, 'body.commonName is required: the host name the certificate is for'],
    ['long commonName', { commonName: 'a'.repeat(65) }, 'body.commonName is 65 characters long; at most 64 are allowed'],
    ['expiration not a string', { commonName: 'gw', expiration: 5 }, 'body.expiration must be an RFC 3339 time string'],
    ['expiration garbage', { commonName: 'gw', expiration: 'tomorrow' }, 'body.expiration "tomorrow" is not an RFC 3339 time'],
    ['expiration in the past', { commonName: 'gw', expiration: '2029-01-01T00:00:00Z' }, 'body.expiration 2029-01-01T00:00:00.000Z is not in the future'],
  ])('refuses: %s', async (_name, body, message) => {
    expect(await call(req('POST', url, body))).toEqual({ status: 400, body: { message } });
  });

  it('refuses once the edge CA has expired (503 naming its expiry), instead of a 201 with a certificate expired already', async () => {
    const caEnd = new X509Certificate((await edgeCa()).certificatePem).validTo;
    const later = await testContext({ nowMs: () => Date.parse(caEnd) + 86_400_000 });
    const res = await handleWorkloadRequest(req('POST', url, { commonName: 'gw' }), later);
    expect(res).toEqual({ status: 503, body: { message: expect.stringContaining(`expired at ${new Date(caEnd).toISOString()}`) } });
  });

  it('is refused on another module socket (403)', async () => {
    const res = await call(req('POST', url, { commonName: 'gw' }, { kind: 'module', moduleId: 'modA' }));
    expect(res).toEqual({ status: 403, body: { message: 'the workload socket of module "modA" cannot act for module "$edgeHub"' } });
  });
});

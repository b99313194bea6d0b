import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { createSasToken, decodeBase64, hmacSha256Base64, parseSasToken } from '@verge/core';
import { clientIdOf, issueToken, resourceOf, usernameOf } from '../../../src/credentials.js';
import { reconnectDelayMs } from '../../../src/backoff.js';
import { resolveOptions, type DeviceClientOptions } from '../../../src/options.js';

const KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const base: DeviceClientOptions = { hubHostName: 'hub.example', deviceId: 'dev1', credential: { kind: 'sasKey', key: KEY }, nowMs: () => 1_700_000_000_000 };

describe('resolveOptions', () => {
  it('applies the defaults', () => {
    const o = resolveOptions(base);
    expect(o).toMatchObject({ host: 'hub.example', port: 8883, keepaliveSec: 60, tokenTtlSec: 3600, tokenRenewalMarginSec: 900, requestTimeoutMs: 30_000, maxMessageBytes: 262_144 });
    expect(o.reconnect).toEqual({ initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.2 });
    expect(o.reconnectWhenRefused).toEqual(o.reconnect);
  });

  it('backs off after a refusal as reconnect does unless told otherwise; a partial policy keeps the defaults for the rest', () => {
    expect(resolveOptions({ ...base, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } }).reconnectWhenRefused).toEqual({ initialDelayMs: 50, maxDelayMs: 100, jitter: 0.2 });
    const both = resolveOptions({ ...base, reconnect: { initialDelayMs: 250, maxDelayMs: 1000 }, reconnectWhenRefused: { maxDelayMs: 30_000 } });
    expect(both.reconnect).toEqual({ initialDelayMs: 250, maxDelayMs: 1000, jitter: 0.2 });
    expect(both.reconnectWhenRefused).toEqual({ initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0.2 });
  });

  it.each([
    [{ deviceId: '' }, 'deviceId must be a non-empty string'],
    [{ hubHostName: '' }, 'hubHostName must be a non-empty string'],
    [{ moduleId: '' }, 'moduleId must be a non-empty string'],
    [{ port: 0 }, 'port 0 must be an integer from 1 to 65535'],
    [{ port: 70000 }, 'port 70000 must be an integer from 1 to 65535'],
    [{ tokenTtlSec: 60, tokenRenewalMarginSec: 60 }, 'tokenRenewalMarginSec 60 must be an integer from 0 to 59'],
    [{ reconnect: { initialDelayMs: 500, maxDelayMs: 100 } }, 'reconnect.maxDelayMs 100 must be an integer from 500 to 86400000'],
    [{ reconnect: { jitter: 1 } }, 'reconnect.jitter 1 must be in [0, 1)'],
    [{ reconnectWhenRefused: { initialDelayMs: -1 } }, 'reconnectWhenRefused.initialDelayMs -1 must be an integer from 0 to 86400000'],
    [{ requestTimeoutMs: 0 }, 'requestTimeoutMs 0 must be an integer from 1 to 86400000'],
    [{ credential: { kind: 'sasKey', key: '' } }, 'credential.key must be a non-empty string'],
    [{ credential: { kind: 'x509' } }, `credential.kind 'x509' must be "sasKey" or "signer"`],
  ] as [Partial<DeviceClientOptions>, string][])('rejects %j', (patch, message) => {
    let caught: unknown;
    try {
      resolveOptions({ ...base, ...patch });
    } catch (e) {
      caught = e;
    }
    expect(isVergeError(caught, 'SDK_OPTIONS_INVALID')).toBe(true);
    expect((caught as Error).message).toBe(message);
  });
});

describe('identity fields (azure-sdk-protocol.md §2)', () => {
  it('forms client id, user name and resource like the SDK', () => {
    const device = resolveOptions(base);
    const module = resolveOptions({ ...base, moduleId: '$edgeAgent', clientType: 'verge-edge/1.0 (x; y)' });
    expect(clientIdOf(device)).toBe('dev1');
    expect(clientIdOf(module)).toBe('dev1/$edgeAgent');
    expect(usernameOf(device)).toBe('hub.example/dev1/?api-version=2021-04-12&DeviceClientType=verge-device-client%2F0.1.0');
    expect(usernameOf(module)).toBe('hub.example/dev1/$edgeAgent/?api-version=2021-04-12&DeviceClientType=verge-edge%2F1.0%20(x%3B%20y)');
    expect(usernameOf(resolveOptions({ ...base, modelId: 'dtmi:a:b;1' }))).toBe('hub.example/dev1/?api-version=2021-04-12&model-id=dtmi%3Aa%3Ab%3B1&DeviceClientType=verge-device-client%2F0.1.0');
    expect(resourceOf(module)).toBe('hub.example/devices/dev1/modules/$edgeAgent');
  });

  it('signs with the key exactly as createSasToken, valid tokenTtlSec from now', async () => {
    const issued = await issueToken(resolveOptions(base), new AbortController().signal);
    expect(issued.expirySec).toBe(1_700_000_000 + 3600);
    expect(issued.token).toBe(createSasToken({ resource: 'hub.example/devices/dev1', key: KEY, expirySec: issued.expirySec }));
  });

  it('asks the signer for `{encoded sr}\\n{se}` and builds the same token', async () => {
    const o = resolveOptions({ ...base, moduleId: 'm*1', credential: { kind: 'signer', sign: async (data) => hmacSha256Base64(decodeBase64(KEY) as Uint8Array, data) } });
    const issued = await issueToken(o, new AbortController().signal);
    expect(issued.token).toBe(createSasToken({ resource: 'hub.example/devices/dev1/modules/m*1', key: KEY, expirySec: issued.expirySec }));
    expect(parseSasToken(issued.token).stringToSign).toBe(`hub.example%2Fdevices%2Fdev1%2Fmodules%2Fm%2a1\n${issued.expirySec}`);
  });

  it('reports a failing or silent signer as SDK_SIGNING_FAILED', async () => {
    const failing = resolveOptions({ ...base, credential: { kind: 'signer', sign: async () => Promise.reject(new Error('workload API down')) } });
    await expect(issueToken(failing, new AbortController().signal)).rejects.toMatchObject({ code: 'SDK_SIGNING_FAILED', message: "the signer could not sign the SAS token for 'hub.example/devices/dev1': workload API down" });
    const silent = resolveOptions({ ...base, connectTimeoutMs: 20, credential: { kind: 'signer', sign: (_d, signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) } });
    await expect(issueToken(silent, new AbortController().signal)).rejects.toMatchObject({ code: 'SDK_SIGNING_FAILED', message: "the signer could not sign the SAS token for 'hub.example/devices/dev1': no answer within 20 ms" });
    const empty = resolveOptions({ ...base, credential: { kind: 'signer', sign: async () => '' } });
    await expect(issueToken(empty, new AbortController().signal)).rejects.toMatchObject({ code: 'SDK_SIGNING_FAILED' });
  });
});

describe('reconnectDelayMs', () => {
  const policy = { initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.2 };
  it.each([
    [1, 0.5, 1000],
    [2, 0.5, 2000],
    [3, 0.5, 4000],
    [7, 0.5, 60_000],
    [30, 0.5, 60_000],
    [1, 0, 800],
    [1, 0.999999, 1200],
    [10, 0.999999, 60_000],
  ])('attempt %i with rng %f → %i ms', (attempt, rng, expected) => {
    expect(reconnectDelayMs(attempt, policy, () => rng)).toBe(expected);
  });
});

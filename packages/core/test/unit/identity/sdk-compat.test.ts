import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSasToken,
  createServiceSasToken,
  deviceResource,
  encodeUriComponentStrict,
  moduleResource,
  parseConnectionString,
  sasAudiences,
  sasTokenFromConnectionString,
  signWithKey,
  verifySasToken,
} from '@verge/core';

// Cross-check against the real Node SDK packages installed with azure-iot-device 1.18.4.
const require = createRequire(import.meta.url);
interface SdkSas {
  sr: string;
  sig: string;
  se: string | number;
  skn?: string;
  toString(): string;
}
const common = require('azure-iot-common') as {
  SharedAccessSignature: {
    create(resourceUri: string, keyName: string | null, key: string, expiry: number): SdkSas;
    parse(source: string, required?: string[]): SdkSas;
    createWithSigningFunction(
      credentials: { host: string; deviceId: string; moduleId?: string },
      expiry: number,
      sign: (data: Buffer, cb: (err: Error | null, signed?: Buffer) => void) => void,
      cb: (err: Error | null, sas?: SdkSas) => void,
    ): void;
  };
  encodeUriComponentStrict(s: string): string;
};
const device = require('azure-iot-device') as {
  SharedAccessKeyAuthenticationProvider: {
    fromConnectionString(cs: string): { getDeviceCredentials(cb: (err: Error | null, creds?: { sharedAccessSignature: string }) => void): void; stop(): void };
  };
};
const iothub = require('azure-iothub') as { SharedAccessSignature: { create(host: string, policy: string, key: string, expiry: number): SdkSas } };

const KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
const id = fc.stringMatching(/^[A-Za-z0-9\-.%_*?!(),:=@$']{1,40}$/);
const host = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}(:[1-9][0-9]{0,3})?$/);
const key = fc.uint8Array({ minLength: 16, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64'));
const expiry = fc.integer({ min: 1, max: 4_102_444_800 });

describe('SAS tokens vs azure-iot-common SharedAccessSignature', () => {
  it('encodeUriComponentStrict equals the SDK for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(encodeUriComponentStrict(s)).toBe(common.encodeUriComponentStrict(s));
      }),
      { numRuns: 2_000 },
    );
  });

  it('ours == SDK create(encodeUriComponentStrict(resource), …) byte for byte, and each verifies the other', () => {
    fc.assert(
      fc.property(host, id, fc.option(id, { nil: undefined }), key, expiry, fc.option(id, { nil: undefined }), (h, d, m, k, se, keyName) => {
        const resource = m === undefined ? deviceResource(h, d) : moduleResource(h, d, m);
        const sdkToken = common.SharedAccessSignature.create(common.encodeUriComponentStrict(resource), keyName ?? null, k, se).toString();
        const ours = createSasToken({ resource, key: k, expirySec: se, ...(keyName === undefined ? {} : { keyName }) });
        expect(ours).toBe(sdkToken);
        // SDK-made token verified by us, under the audience rules edgeHub applies.
        const audiences = sasAudiences({ hostNames: [h], deviceId: d, ...(m === undefined ? {} : { moduleId: m }) });
        expect(verifySasToken(sdkToken, { keys: [k], audiences, nowSec: se })).toMatchObject({ ok: true, keyIndex: 0 });
        // Our token read back by the SDK parser, and re-signed by the SDK from the parsed sr/se.
        const parsed = common.SharedAccessSignature.parse(ours, ['sr', 'sig', 'se']);
        expect(common.SharedAccessSignature.create(parsed.sr, parsed.skn ? decodeURIComponent(parsed.skn) : null, k, Number(parsed.se)).toString()).toBe(ours);
      }),
      { numRuns: 1_000 },
    );
  });

  it('a token signed by the SDK with another key is refused', () => {
    const sdkToken = common.SharedAccessSignature.create(common.encodeUriComponentStrict('hub/devices/d'), null, Buffer.alloc(32, 1).toString('base64'), 100).toString();
    expect(verifySasToken(sdkToken, { keys: [KEY], audiences: ['hub/devices/d'], nowSec: 1 })).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('workload-API flow: createWithSigningFunction hands the signer exactly our stringToSign, and the result verifies', async () => {
    const creds = { host: 'harness-hub.local', deviceId: 'harness-edge1', moduleId: 'harness-modB' };
    const seen: string[] = [];
    const sas = await new Promise<SdkSas>((resolve, reject) =>
      common.SharedAccessSignature.createWithSigningFunction(
        creds,
        1795724450,
        (data, cb) => {
          seen.push(data.toString('base64'));
          cb(null, Buffer.from(signWithKey(KEY, data.toString('base64')), 'base64')); // our workload API /sign
        },
        (err, result) => (err || !result ? reject(err ?? new Error('no sas')) : resolve(result)),
      ),
    );
    expect(seen).toEqual([Buffer.from('harness-hub.local%2Fdevices%2Fharness-edge1%2Fmodules%2Fharness-modB\n1795724450').toString('base64')]);
    const token = sas.toString();
    expect(token).toBe(createSasToken({ resource: moduleResource(creds.host, creds.deviceId, creds.moduleId), key: KEY, expirySec: 1795724450 }));
    expect(verifySasToken(token, { keys: [KEY], audiences: [moduleResource(creds.host, creds.deviceId, creds.moduleId)], nowSec: 1795724450 })).toMatchObject({ ok: true });
  });

  it('the SDK auth provider built from a connection string yields a token we verify (module with gateway)', async () => {
    const cs = `HostName=harness-hub.local;DeviceId=harness-edge1;ModuleId=harness-modA;SharedAccessKey=${KEY};GatewayHostName=localhost:28883`;
    const provider = device.SharedAccessKeyAuthenticationProvider.fromConnectionString(cs);
    const creds = await new Promise<{ sharedAccessSignature: string }>((resolve, reject) =>
      provider.getDeviceCredentials((err, c) => (err || !c ? reject(err ?? new Error('no creds')) : resolve(c))),
    );
    provider.stop();
    const ours = parseConnectionString(cs);
    const nowSec = Math.floor(Date.now() / 1000);
    const audiences = sasAudiences({ hostNames: ['harness-hub.local', 'localhost'], deviceId: 'harness-edge1', moduleId: 'harness-modA' });
    expect(verifySasToken(creds.sharedAccessSignature, { keys: [KEY], audiences, nowSec })).toMatchObject({ ok: true, keyIndex: 0 });
    const se = Number(/se=(\d+)/.exec(creds.sharedAccessSignature)?.[1]);
    expect(sasTokenFromConnectionString(ours, se)).toBe(creds.sharedAccessSignature);
  });

  it('service tokens: azure-iothub create(host, policy, key, se) equals createServiceSasToken and verifies', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,30}$/), id, key, expiry, (h, policy, k, se) => {
        const sdk = iothub.SharedAccessSignature.create(h, policy, k, se).toString();
        expect(createServiceSasToken({ hostName: h, policyName: policy, key: k, expirySec: se })).toBe(sdk);
        expect(verifySasToken(sdk, { keys: [k], audiences: [h], nowSec: se })).toMatchObject({ ok: true, token: { keyName: policy } });
      }),
      { numRuns: 500 },
    );
  });

  it('azure-iothub signs sr=host:port unencoded; we still verify it', () => {
    const sdk = iothub.SharedAccessSignature.create('localhost:8443', 'iothubowner', KEY, 50).toString();
    expect(sdk).toContain('sr=localhost:8443&');
    expect(verifySasToken(sdk, { keys: [KEY], audiences: ['localhost:8443'], nowSec: 1 })).toMatchObject({ ok: true });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createSasToken, createServiceSasToken } from '@verge/core';
import { createTestApi, TEST_HOST, aKey, type TestApi } from '../../helpers/fixtures.js';

let t: TestApi;
afterEach(async () => t?.closeAll());

const nowSec = () => Math.floor(t.clock.nowMs() / 1000);

async function get(authorization?: string) {
  return t.api.app.inject({ method: 'GET', url: '/devices', headers: authorization === undefined ? {} : { authorization } });
}

describe('service API authentication', () => {
  it('accepts a policy token signed with the primary or the secondary key', async () => {
    t = await createTestApi();
    const policy = await t.services.policies.get('owner');
    expect((await get(t.auth())).statusCode).toBe(200);
    const secondary = createServiceSasToken({ hostName: TEST_HOST, policyName: 'owner', key: policy?.secondaryKey ?? '', expirySec: nowSec() + 60 });
    expect((await get(secondary)).statusCode).toBe(200);
  });

  it('accepts the token azure-iothub builds: sr is the host, the signature covers sr + "\\n" + se', async () => {
    t = await createTestApi();
    const { SharedAccessSignature } = (await import('azure-iothub/dist/common-core/shared_access_signature.js')) as unknown as {
      SharedAccessSignature: { create(sr: string, skn: string, key: string, se: number): { toString(): string } };
    };
    const sdkToken = SharedAccessSignature.create(TEST_HOST, 'owner', t.ownerKey, nowSec() + 3600).toString();
    expect(sdkToken).toMatch(/^SharedAccessSignature sr=hub\.test&sig=.+&skn=owner&se=\d+$/);
    expect((await get(sdkToken)).statusCode).toBe(200);
  });

  it.each([
    ['no header', () => undefined, 'CLD_AUTH_MISSING', 'no Authorization header: send "SharedAccessSignature sr={host}&sig=…&se=…&skn={policy}"'],
    ['a Bearer token', () => 'Bearer abc', 'CLD_AUTH_MALFORMED', "malformed SAS token: a SAS token must start with 'SharedAccessSignature ' (the prefix is case-sensitive)"],
    ['a token without se', () => 'SharedAccessSignature sr=hub.test&sig=abc&skn=owner', 'CLD_AUTH_MALFORMED', "malformed SAS token: missing field 'se'"],
    ['a token without skn', () => createSasToken({ resource: TEST_HOST, key: t.ownerKey, expirySec: nowSec() + 60 }), 'CLD_AUTH_POLICY_UNKNOWN', "the token names no shared access policy (no 'skn' field); service tokens are signed with a policy key"],
    ['an unknown policy', () => createServiceSasToken({ hostName: TEST_HOST, policyName: 'iothubowner', key: t.ownerKey, expirySec: nowSec() + 60 }), 'CLD_AUTH_POLICY_UNKNOWN', "shared access policy 'iothubowner' does not exist"],
    ['a wrong key', () => createServiceSasToken({ hostName: TEST_HOST, policyName: 'owner', key: aKey(9), expirySec: nowSec() + 60 }), 'CLD_AUTH_SIGNATURE_INVALID', "the token's signature does not match a key of policy 'owner' (wrong key, or the token was altered)"],
    ['another hub', () => createServiceSasToken({ hostName: 'other.hub', policyName: 'owner', key: t.ownerKey, expirySec: nowSec() + 60 }), 'CLD_AUTH_AUDIENCE_INVALID', "the token's resource (sr) 'other.hub' is not this hub's host name 'hub.test'"],
    ['a device token', () => createSasToken({ resource: `${TEST_HOST}/devices/d1`, key: t.ownerKey, expirySec: nowSec() + 60, keyName: 'owner' }), 'CLD_AUTH_AUDIENCE_INVALID', "the token's resource (sr) 'hub.test/devices/d1' is not this hub's host name 'hub.test'"],
    ['an expired token', () => createServiceSasToken({ hostName: TEST_HOST, policyName: 'owner', key: t.ownerKey, expirySec: nowSec() - 301 }), 'CLD_AUTH_EXPIRED', 'the token expired at 2029-12-31T23:54:59.000Z (se=1893455699)'],
  ] as const)('refuses %s with 401 naming the problem', async (_name, token, code, message) => {
    t = await createTestApi();
    const res = await get(token());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code, message, Message: `ErrorCode:IotHubUnauthorizedAccess;${message.replace(/;/g, ',')}` });
  });

  it("tolerates IoT Hub's 5 minutes of clock skew after expiry", async () => {
    t = await createTestApi();
    const token = createServiceSasToken({ hostName: TEST_HOST, policyName: 'owner', key: t.ownerKey, expirySec: nowSec() - 299 });
    expect((await get(token)).statusCode).toBe(200);
  });

  it('checks the right the route needs', async () => {
    t = await createTestApi();
    await t.store.policies.put({ name: 'reader', primaryKey: aKey(5), secondaryKey: aKey(6), rights: ['RegistryRead'], createdAtMs: 0 });
    const reader = createServiceSasToken({ hostName: TEST_HOST, policyName: 'reader', key: aKey(5), expirySec: nowSec() + 60 });
    expect((await get(reader)).statusCode).toBe(200);
    const res = await t.api.app.inject({ method: 'PUT', url: '/devices/d1', headers: { authorization: reader }, payload: { deviceId: 'd1' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'CLD_AUTH_RIGHT_MISSING', message: "shared access policy 'reader' lacks the RegistryWrite right this operation needs" });
  });

  it('serves /healthz and /openapi.json without credentials', async () => {
    t = await createTestApi();
    expect((await t.api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.api.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
  });
});

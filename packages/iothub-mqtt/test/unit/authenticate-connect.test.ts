import { describe, expect, it } from 'vitest';
import { identityToken, nowSec } from '@verge/testkit/mqtt';
import { authenticateConnect, type AuthLookupResult, type ConnectCredentials, type MqttAuthRecord } from '../../src/index.js';

const key = Buffer.alloc(32, 7).toString('base64');
const record: MqttAuthRecord = { deviceId: 'd1', status: 'enabled', authentication: { type: 'sas', primaryKey: key, secondaryKey: '' } };
const creds = (password: string, clientId = 'd1'): ConnectCredentials => ({
  clientId,
  username: `hub.example/${clientId}/?api-version=2021-04-12`,
  password: Buffer.from(password),
  peerCertificate: undefined,
});
const options = { usernameHosts: ['hub.example'], audienceHosts: ['hub.example'], nowMs: nowSec() * 1000 };

describe('authenticateConnect with an asynchronous lookup (a database)', () => {
  it('answers with a promise of what the synchronous lookup answers', async () => {
    const token = identityToken({ host: 'hub.example', deviceId: 'd1', key });
    const sync = authenticateConnect(creds(token), { ...options, lookup: () => record });
    const later = authenticateConnect(creds(token), { ...options, lookup: () => Promise.resolve<AuthLookupResult>(record) });
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual(sync);
    expect(sync).toMatchObject({ ok: true, identity: { deviceId: 'd1' }, method: 'sas' });
    expect(await authenticateConnect(creds('SharedAccessSignature sr=x&sig=y&se=1'), { ...options, lookup: () => Promise.resolve<AuthLookupResult>(record) })).toMatchObject({ ok: false, returnCode: 4 });
    expect(await authenticateConnect(creds(token), { ...options, lookup: () => Promise.resolve<AuthLookupResult>(undefined) })).toMatchObject({ ok: false, returnCode: 5 });
  });

  it('refuses a malformed client id at once, without a lookup', () => {
    let lookups = 0;
    const result = authenticateConnect(creds('x', 'd1/m/extra'), {
      ...options,
      lookup: () => {
        lookups += 1;
        return Promise.resolve<AuthLookupResult>(record);
      },
    });
    expect(result).toMatchObject({ ok: false, returnCode: 2 });
    expect(lookups).toBe(0);
  });

  it('rejects when the lookup rejects (the server answers CONNACK 3)', async () => {
    const token = identityToken({ host: 'hub.example', deviceId: 'd1', key });
    await expect(authenticateConnect(creds(token), { ...options, lookup: () => Promise.reject(new Error('database unreachable')) })).rejects.toThrow('database unreachable');
  });
});

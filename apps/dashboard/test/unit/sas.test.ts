import { describe, expect, it } from 'vitest';
import { createServiceSasToken, parseConnectionString, sasTokenFromConnectionString, verifySasToken } from '@verge/core';
import { parseServiceConnectionString, serviceSasToken, tokenExpirySec } from '../../src/api/sas.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('browser SAS tokens (WebCrypto)', () => {
  it('are byte for byte the tokens @verge/core (and so azure-iothub) signs, for awkward host and policy names', async () => {
    const text = `HostName=hub.example:8443;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`;
    expect(await serviceSasToken(parseServiceConnectionString(text), 2_000_000_000)).toBe(sasTokenFromConnectionString(parseConnectionString(text), 2_000_000_000));
    for (const [hostName, policyName] of [
      ["h(o)st!*'.local", 'policy with spaces&=;'],
      ['ünïcode.example', 'registry~Read'],
    ] as const) {
      const expected = createServiceSasToken({ hostName, policyName, key: KEY, expirySec: 2_000_000_000 });
      expect(await serviceSasToken({ hostName, policyName, key: KEY }, 2_000_000_000)).toBe(expected);
    }
  });

  it('verify against the key the cloud checks with', async () => {
    const token = await serviceSasToken({ hostName: 'hub.example', policyName: 'iothubowner', key: KEY }, 2_000_000_000);
    expect(verifySasToken(token, { keys: [KEY], audiences: ['hub.example'], nowSec: 1_900_000_000 })).toMatchObject({ ok: true, keyIndex: 0 });
  });

  it('refuse connection strings that cannot sign a service token, naming the problem', () => {
    expect(() => parseServiceConnectionString('HostName=h;DeviceId=d;SharedAccessKey=' + KEY)).toThrow(/device connection string/);
    expect(() => parseServiceConnectionString('HostName=h;SharedAccessKey=' + KEY)).toThrow(/SharedAccessKeyName missing/);
    expect(() => parseServiceConnectionString('HostName=h;SharedAccessKeyName=p;SharedAccessKey=%%%')).toThrow(/not valid base64/);
    expect(() => parseServiceConnectionString('garbage')).toThrow(/'garbage' is not Name=value/);
    expect(() => parseServiceConnectionString('SharedAccessKeyName=p;SharedAccessKey=' + KEY)).toThrow(/HostName missing/);
  });

  it('read a pasted token\'s expiry and refuse what is not a SAS token', () => {
    expect(tokenExpirySec('SharedAccessSignature sr=h&sig=abc&se=1700000000&skn=p')).toBe(1_700_000_000);
    expect(() => tokenExpirySec('Bearer xyz')).toThrow(/starts with 'SharedAccessSignature'/);
    expect(() => tokenExpirySec('SharedAccessSignature sr=h&se=1')).toThrow(/'sig' field is missing/);
    expect(() => tokenExpirySec('SharedAccessSignature sr=h&sig=x&se=soon')).toThrow(/'se' is not a Unix time/);
  });
});

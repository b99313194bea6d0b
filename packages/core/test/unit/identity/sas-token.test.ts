import { describe, expect, it } from 'vitest';
import { vergeErrorOf } from '@verge/testkit';
import { createSasToken, createServiceSasToken, deviceResource, encodeUriComponentStrict, moduleResource, parseSasToken } from '@verge/core';

const KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY='; // base64('0123456789abcdef0123456789abcdef')

describe('encodeUriComponentStrict', () => {
  it.each([
    ['harness-hub.local/devices/harness-dev1', 'harness-hub.local%2Fdevices%2Fharness-dev1'],
    ["!'()*", '%21%27%28%29%2a'], // lowercase hex for the extra escapes, as azure-iot-common
    ['a b+c=d&e', 'a%20b%2Bc%3Dd%26e'],
    ['localhost:40031/devices/d', 'localhost%3A40031%2Fdevices%2Fd'],
    ['-._~', '-._~'],
    ['é', '%C3%A9'],
  ])('%s', (input, expected) => {
    expect(encodeUriComponentStrict(input)).toBe(expected);
  });

  it('rejects a lone surrogate', () => {
    const e = vergeErrorOf(() => encodeUriComponentStrict('\ud800'));
    expect(e.code).toBe('SAS_PARAMETER_INVALID');
    expect(e.message).toBe('text contains a lone UTF-16 surrogate and cannot be URL-encoded');
  });
});

describe('resources', () => {
  it('builds device and module resources from the hub host', () => {
    expect(deviceResource('harness-hub.local', 'harness-dev1')).toBe('harness-hub.local/devices/harness-dev1');
    expect(moduleResource('harness-hub.local', 'harness-edge1', 'harness-modB')).toBe('harness-hub.local/devices/harness-edge1/modules/harness-modB');
  });

  it.each([
    { fn: () => deviceResource('', 'd'), message: "host '' is empty" },
    { fn: () => deviceResource('h', 'a/b'), message: "deviceId 'a/b' contains '/'" },
    { fn: () => moduleResource('h', 'd', ''), message: "moduleId '' is empty" },
  ])('rejects: $message', ({ fn, message }) => {
    const e = vergeErrorOf(fn);
    expect(e.code).toBe('SAS_PARAMETER_INVALID');
    expect(e.message).toBe(message);
  });
});

describe('createSasToken', () => {
  it('matches the structure of the observed CONNECT password (azure-sdk-protocol.md §2)', () => {
    const token = createSasToken({ resource: 'harness-hub.local/devices/harness-dev1', key: KEY, expirySec: 1795724430 });
    expect(token).toMatch(/^SharedAccessSignature sr=harness-hub\.local%2Fdevices%2Fharness-dev1&sig=[A-Za-z0-9%]+&se=1795724430$/);
    // sig computed independently: printf 'harness-hub.local%2Fdevices%2Fharness-dev1\n1795724430' |
    //   openssl dgst -sha256 -mac HMAC -macopt key:0123456789abcdef0123456789abcdef -binary | base64
    expect(token).toBe('SharedAccessSignature sr=harness-hub.local%2Fdevices%2Fharness-dev1&sig=qWjxtuqKuPin2zROjBcMvnCdE9hKjYcg1eekV9BwfuU%3D&se=1795724430');
  });

  it('puts skn between sig and se', () => {
    const token = createSasToken({ resource: 'hub/devices/d', key: KEY, expirySec: 10, keyName: 'device policy' });
    expect(token).toMatch(/^SharedAccessSignature sr=hub%2Fdevices%2Fd&sig=[^&]+&skn=device%20policy&se=10$/);
  });

  it('omits skn for an empty key name (the SDK tests truthiness)', () => {
    expect(createSasToken({ resource: 'r', key: KEY, expirySec: 10, keyName: '' })).not.toContain('skn=');
  });

  it('createServiceSasToken signs sr=host with skn=policy', () => {
    const token = createServiceSasToken({ hostName: 'hub.example', policyName: 'iothubowner', key: KEY, expirySec: 99 });
    expect(parseSasToken(token)).toMatchObject({ resource: 'hub.example', keyName: 'iothubowner', expirySec: 99 });
    expect(token).toBe(createSasToken({ resource: 'hub.example', key: KEY, expirySec: 99, keyName: 'iothubowner' }));
  });

  it.each([
    { input: { resource: '', key: KEY, expirySec: 1 }, code: 'SAS_PARAMETER_INVALID', message: 'SAS resource is empty' },
    { input: { resource: 'r', key: KEY, expirySec: 0 }, code: 'SAS_PARAMETER_INVALID', message: 'SAS expiry 0 is not a positive integer number of seconds since the Unix epoch' },
    { input: { resource: 'r', key: KEY, expirySec: 1.5 }, code: 'SAS_PARAMETER_INVALID', message: 'SAS expiry 1.5 is not a positive integer number of seconds since the Unix epoch' },
    { input: { resource: 'r', key: '', expirySec: 1 }, code: 'SAS_KEY_INVALID', message: 'shared access key is empty' },
    { input: { resource: 'r', key: 'not base64!', expirySec: 1 }, code: 'SAS_KEY_INVALID', message: 'shared access key is not valid base64' },
    { input: { resource: '\udc00', key: KEY, expirySec: 1 }, code: 'SAS_PARAMETER_INVALID', message: 'text contains a lone UTF-16 surrogate and cannot be URL-encoded' },
  ])('rejects: $message', ({ input, code, message }) => {
    const e = vergeErrorOf(() => createSasToken(input));
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });

  it('createServiceSasToken rejects an empty policy name', () => {
    const e = vergeErrorOf(() => createServiceSasToken({ hostName: 'h', policyName: '', key: KEY, expirySec: 1 }));
    expect(e.message).toBe('shared access policy name is empty');
  });
});

describe('parseSasToken', () => {
  it('parses the observed CONNECT password', () => {
    const observed =
      'SharedAccessSignature sr=harness-hub.local%2Fdevices%2Fharness-dev1&sig=ipCelJgEIHnZbgkuEolNgkHkWouQB1z5iuko5ZPti5M%3D&se=1795724430';
    expect(parseSasToken(observed)).toEqual({
      resource: 'harness-hub.local/devices/harness-dev1',
      encodedResource: 'harness-hub.local%2Fdevices%2Fharness-dev1',
      signature: 'ipCelJgEIHnZbgkuEolNgkHkWouQB1z5iuko5ZPti5M=',
      expirySec: 1795724430,
      stringToSign: 'harness-hub.local%2Fdevices%2Fharness-dev1\n1795724430',
    });
  });

  it('parses the port-leaking sr of HostName=localhost:40031', () => {
    expect(parseSasToken('SharedAccessSignature sr=localhost%3A40031%2Fdevices%2Fd&sig=x&se=1').resource).toBe('localhost:40031/devices/d');
  });

  it('accepts any field order, case-insensitive names, empty fields, unknown fields and a raw = in sig', () => {
    expect(parseSasToken('SharedAccessSignature SE=5&&skn=p%20q&SR=hub%2Fdevices%2Fd&foo=bar&sig=ab%2Bc=')).toEqual({
      resource: 'hub/devices/d',
      encodedResource: 'hub%2Fdevices%2Fd',
      signature: 'ab+c=',
      expirySec: 5,
      keyName: 'p q',
      stringToSign: 'hub%2Fdevices%2Fd\n5',
    });
  });

  it('keeps the se text as sent in the string to sign', () => {
    expect(parseSasToken('SharedAccessSignature sr=r&sig=s&se=007').stringToSign).toBe('r\n007');
  });

  const M = 'malformed SAS token: ';
  it.each([
    { token: '', message: `${M}a SAS token must start with 'SharedAccessSignature ' (the prefix is case-sensitive)` },
    { token: 'sr=a&sig=b&se=1', message: `${M}a SAS token must start with 'SharedAccessSignature ' (the prefix is case-sensitive)` },
    { token: 'sharedaccesssignature sr=a&sig=b&se=1', message: `${M}a SAS token must start with 'SharedAccessSignature ' (the prefix is case-sensitive)` },
    { token: 'SharedAccessSignature  sr=a&sig=b&se=1', message: `${M}whitespace at offset 22; only one space, after 'SharedAccessSignature', is allowed` },
    { token: 'SharedAccessSignature sr=a&sig=b&se=1\n', message: `${M}whitespace at offset 37; only one space, after 'SharedAccessSignature', is allowed` },
    { token: 'SharedAccessSignature sig=b&se=1', message: `${M}missing field 'sr'` },
    { token: 'SharedAccessSignature sr=a', message: `${M}missing fields 'sig', 'se'` },
    { token: 'SharedAccessSignature ', message: `${M}missing fields 'sr', 'sig', 'se'` },
    { token: 'SharedAccessSignature sr=a&sig=b&se=soon', message: `${M}field 'se' ('soon') is not a non-negative integer number of seconds since the Unix epoch` },
    { token: 'SharedAccessSignature sr=a&sig=b&se=-1', message: `${M}field 'se' ('-1') is not a non-negative integer number of seconds since the Unix epoch` },
    { token: 'SharedAccessSignature sr=a&sig=b&se=1.5', message: `${M}field 'se' ('1.5') is not a non-negative integer number of seconds since the Unix epoch` },
    { token: 'SharedAccessSignature sr=a&sig=b&se=99999999999999999999', message: `${M}field 'se' ('99999999999999999999') is not a non-negative integer number of seconds since the Unix epoch` },
    { token: 'SharedAccessSignature sr=a&sr=b&sig=c&se=1', message: `${M}duplicate field 'sr'` },
    { token: 'SharedAccessSignature sr=a&SR=b&sig=c&se=1', message: `${M}duplicate field 'sr'` },
    { token: 'SharedAccessSignature sr=&sig=c&se=1', message: `${M}field 'sr' is empty` },
    { token: 'SharedAccessSignature sr=a&sig=c&se=1&skn=', message: `${M}field 'skn' is empty` },
    { token: 'SharedAccessSignature sr=a&sig&se=1', message: `${M}field 'sig' has no '=' (fields are name=value)` },
    { token: 'SharedAccessSignature sr=%E0%A4%A&sig=c&se=1', message: `${M}field 'sr' is not valid percent-encoding` },
    { token: 'SharedAccessSignature sr=a&sig=%zz&se=1', message: `${M}field 'sig' is not valid percent-encoding` },
  ])('rejects $token', ({ token, message }) => {
    const e = vergeErrorOf(() => parseSasToken(token));
    expect(e.code).toBe('SAS_TOKEN_MALFORMED');
    expect(e.status).toBe(401);
    expect(e.message).toBe(message);
  });

  it('never echoes the signature in errors', () => {
    const e = vergeErrorOf(() => parseSasToken('SharedAccessSignature sr=a&sig=SECRETSIG&sig=SECRETSIG&se=1'));
    expect(e.message).not.toContain('SECRETSIG');
  });
});

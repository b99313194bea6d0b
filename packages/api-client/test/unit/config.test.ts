import { describe, expect, it } from 'vitest';
import { checkBaseUrl, createApiClient, createServiceAuthorizer, defaultApiUrl, deviceConnectionString, isLoopback, moduleConnectionString, parseServiceConnectionString } from '@verge/api-client';
import { isVergeError } from '@verge/contracts';
import { parseSasToken } from '@verge/core';
import { aDevice, aModule } from '@verge/testkit';
import { serviceConnectionString } from './helpers/fixtures.js';

describe('defaultApiUrl', () => {
  it.each([
    ['localhost', 'https://localhost:8443'],
    ['hub.example', 'https://hub.example:8443'],
    ['hub.example:8883', 'https://hub.example:8443'],
    ['[::1]:8883', 'https://[::1]:8443'],
  ])('%s → %s', (host, url) => expect(defaultApiUrl(host)).toBe(url));
});

describe('checkBaseUrl', () => {
  it.each([
    ['https://hub.example:8443/', 'https://hub.example:8443'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['https://hub.example/api/', 'https://hub.example/api'],
  ])('accepts %s', (text, url) => expect(checkBaseUrl(text)).toBe(url));

  it.each([
    ['hub.example:8443', 'is not an absolute URL'],
    ['ftp://hub.example', 'uses ftp:; expected https: (or http: to a loopback host)'],
    ['http://hub.example:8080', 'uses plain http: to hub.example, which is not a loopback host'],
    ['https://hub.example/?a=1', 'must not carry a query or fragment'],
    ['https://u:p@hub.example', 'must not carry credentials'],
  ])('refuses %s', (text, rule) => {
    let error: unknown;
    try {
      checkBaseUrl(text);
    } catch (e) {
      error = e;
    }
    expect(isVergeError(error, 'CLIENT_BASE_URL_INVALID')).toBe(true);
    expect((error as Error).message).toContain(`API URL "${text}" ${rule}`);
  });

  it('allows plain http to a remote host only when asked', () => {
    expect(checkBaseUrl('http://hub.example:8080', true)).toBe('http://hub.example:8080');
  });

  it.each([['localhost', true], ['a.localhost', true], ['127.1.2.3', true], ['[::1]', true], ['10.0.0.1', false], ['localhost.evil', false]])('isLoopback(%s) = %s', (h, v) =>
    expect(isLoopback(h)).toBe(v),
  );
});

describe('service credentials', () => {
  it('refuses device connection strings', () => {
    expect(() => parseServiceConnectionString('HostName=h;DeviceId=d;SharedAccessKey=AAAAAAAAAAAAAAAAAAAAAA==')).toThrow(
      'expected a service connection string (HostName=…;SharedAccessKeyName=…;SharedAccessKey=…), got a device connection string',
    );
  });

  it('createApiClient validates before any request', () => {
    expect(() => createApiClient({ connectionString: 'HostName=h' })).toThrow(/CONNECTION|connection string/);
    expect(() => createApiClient({ connectionString: serviceConnectionString, baseUrl: 'http://10.1.1.1' })).toThrow(/not a loopback host/);
  });

  it('signs a fresh token per call with the clock', () => {
    let now = 1_000_000;
    const authorize = createServiceAuthorizer(parseServiceConnectionString(serviceConnectionString), () => now, 60);
    const first = parseSasToken(authorize());
    now += 5000;
    const second = parseSasToken(authorize());
    expect([first.expirySec, second.expirySec]).toEqual([1060, 1065]);
    expect(first.keyName).toBe('owner');
  });
});

describe('identity connection strings', () => {
  it.each([
    ['SAS device', aDevice(), {}, 'HostName=hub.example;DeviceId=dev1;SharedAccessKey=cHJpbWFyeS1rZXktMDEyMzQ1Ng=='],
    ['SAS device, secondary key, gateway', aDevice(), { key: 'secondary' as const, gatewayHostName: 'edge.local' }, 'HostName=hub.example;DeviceId=dev1;SharedAccessKey=c2Vjb25kYXJ5LWtleS0wMTIzNA==;GatewayHostName=edge.local'],
    ['X.509 device', aDevice({ authentication: { type: 'selfSigned', symmetricKey: { primaryKey: null, secondaryKey: null }, x509Thumbprint: { primaryThumbprint: 'AB', secondaryThumbprint: null } } }), {}, 'HostName=hub.example;DeviceId=dev1;x509=true'],
  ])('%s', (_name, device, options, expected) => {
    expect(deviceConnectionString('hub.example', device, options)).toBe(expected);
  });

  it('no credential, no connection string', () => {
    const none = aDevice({ authentication: { type: 'none', symmetricKey: { primaryKey: null, secondaryKey: null }, x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null } } });
    expect(deviceConnectionString('hub.example', none)).toBeUndefined();
  });

  it('module', () => {
    expect(moduleConnectionString('hub.example', aModule())).toBe('HostName=hub.example;DeviceId=dev1;ModuleId=mod1;SharedAccessKey=bW9kdWxlLXByaW1hcnkta2V5MQ==');
  });
});

import { describe, expect, it } from 'vitest';
import { vergeErrorOf } from '@verge/testkit';
import {
  formatConnectionString,
  gatewayEndpoint,
  parseConnectionString,
  parseHostPort,
  sasTokenFromConnectionString,
  type ConnectionString,
} from '@verge/core';

const KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
const TOKEN = 'SharedAccessSignature sr=hub%2Fdevices%2Fd1&sig=abc%3D&se=1795724430';

describe('parseConnectionString', () => {
  it.each<{ cs: string; expected: ConnectionString; canonical?: boolean }>([
    {
      cs: `HostName=harness-hub.local;DeviceId=harness-dev1;SharedAccessKey=${KEY}`,
      expected: { kind: 'device', hostName: 'harness-hub.local', deviceId: 'harness-dev1', sharedAccessKey: KEY },
    },
    {
      cs: `HostName=harness-hub.local;DeviceId=harness-edge1;ModuleId=harness-modA;SharedAccessKey=${KEY};GatewayHostName=localhost:28883`,
      expected: { kind: 'module', hostName: 'harness-hub.local', deviceId: 'harness-edge1', moduleId: 'harness-modA', sharedAccessKey: KEY, gatewayHostName: 'localhost:28883' },
    },
    {
      cs: `HostName=hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`,
      expected: { kind: 'service', hostName: 'hub.azure-devices.net', sharedAccessKeyName: 'iothubowner', sharedAccessKey: KEY },
    },
    {
      cs: 'HostName=hub;DeviceId=leaf1;x509=true',
      expected: { kind: 'device', hostName: 'hub', deviceId: 'leaf1', x509: true },
    },
    {
      cs: `HostName=hub;DeviceId=d1;SharedAccessSignature=${TOKEN}`,
      expected: { kind: 'device', hostName: 'hub', deviceId: 'd1', sharedAccessSignature: TOKEN },
    },
    {
      cs: `HostName=hub;DeviceId=d1;SharedAccessKeyName=device;SharedAccessKey=${KEY}`,
      expected: { kind: 'device', hostName: 'hub', deviceId: 'd1', sharedAccessKeyName: 'device', sharedAccessKey: KEY },
    },
    {
      cs: `  SharedAccessKey=${KEY};DeviceId=d1;HostName=hub;  \n`,
      expected: { kind: 'device', hostName: 'hub', deviceId: 'd1', sharedAccessKey: KEY },
      canonical: false,
    },
    {
      cs: `HostName=hub;;DeviceId=d1;SharedAccessKey=${KEY};`,
      expected: { kind: 'device', hostName: 'hub', deviceId: 'd1', sharedAccessKey: KEY },
      canonical: false,
    },
    {
      cs: 'HostName=hub;DeviceId=d1;x509=TRUE',
      expected: { kind: 'device', hostName: 'hub', deviceId: 'd1', x509: true },
      canonical: false,
    },
    {
      cs: `HostName=hub;DeviceId=e1;ModuleId=$edgeAgent;SharedAccessKey=${KEY};GatewayHostName=[::1]:8883`,
      expected: { kind: 'module', hostName: 'hub', deviceId: 'e1', moduleId: '$edgeAgent', sharedAccessKey: KEY, gatewayHostName: '[::1]:8883' },
    },
  ])('$cs', ({ cs, expected, canonical }) => {
    const parsed = parseConnectionString(cs);
    expect(parsed).toEqual(expected);
    expect(parseConnectionString(formatConnectionString(parsed))).toEqual(parsed);
    if (canonical !== false) expect(formatConnectionString(parsed)).toBe(cs);
  });

  const E = 'invalid connection string: ';
  it.each([
    { cs: '', message: `${E}the connection string is empty` },
    { cs: '   ', message: `${E}the connection string is empty` },
    { cs: `DeviceId=d;SharedAccessKey=${KEY}`, message: `${E}missing field 'HostName'` },
    { cs: `HostName=h;HostName=h2;DeviceId=d;SharedAccessKey=${KEY}`, message: `${E}duplicate field 'HostName'` },
    { cs: `hostname=h;DeviceId=d;SharedAccessKey=${KEY}`, message: `${E}unknown field 'hostname'; field names are case-sensitive: did you mean 'HostName'?` },
    {
      cs: `HostName=h;DeviceId=d;SharedAccessKey=${KEY};Transport=mqtt`,
      message: `${E}unknown field 'Transport'; expected 'HostName', 'DeviceId', 'ModuleId', 'SharedAccessKeyName', 'SharedAccessKey', 'SharedAccessSignature', 'x509', 'GatewayHostName'`,
    },
    { cs: `HostName=h;DeviceId;SharedAccessKey=${KEY}`, message: `${E}segment 2 has no '=' (expected Name=value)` },
    { cs: `HostName=h;=d;SharedAccessKey=${KEY}`, message: `${E}segment 2 has an empty field name` },
    { cs: `HostName=h;DeviceId=;SharedAccessKey=${KEY}`, message: `${E}field 'DeviceId' is empty` },
    { cs: 'HostName=h;DeviceId=d', message: `${E}needs one of 'SharedAccessKey', 'SharedAccessSignature' or 'x509=true'` },
    { cs: `HostName=h;DeviceId=d;SharedAccessKey=${KEY};x509=true`, message: `${E}fields 'SharedAccessKey' and 'x509' cannot both be present; use one credential` },
    {
      cs: `HostName=h;DeviceId=d;SharedAccessKey=${KEY};SharedAccessSignature=${TOKEN}`,
      message: `${E}fields 'SharedAccessKey' and 'SharedAccessSignature' cannot both be present; use one credential`,
    },
    { cs: `HostName=h;DeviceId=d;SharedAccessSignature=${TOKEN};x509=true`, message: `${E}fields 'SharedAccessSignature' and 'x509' cannot both be present; use one credential` },
    { cs: 'HostName=h;DeviceId=d;x509=yes', message: `${E}field 'x509' must be 'true'` },
    { cs: 'HostName=h;DeviceId=d;SharedAccessKeyName=p;x509=true', message: `${E}field 'SharedAccessKeyName' requires 'SharedAccessKey'` },
    { cs: 'HostName=h;DeviceId=d;SharedAccessKey=not*base64', message: `${E}field 'SharedAccessKey' is not valid base64` },
    {
      cs: 'HostName=h;DeviceId=d;SharedAccessSignature=sig',
      message: `${E}field 'SharedAccessSignature' is not a SAS token (malformed SAS token: a SAS token must start with 'SharedAccessSignature ' (the prefix is case-sensitive))`,
    },
    { cs: `HostName=h;ModuleId=m;SharedAccessKey=${KEY}`, message: `${E}field 'ModuleId' requires 'DeviceId'` },
    { cs: `HostName=h;SharedAccessKey=${KEY}`, message: `${E}missing field 'DeviceId' (device or module) or 'SharedAccessKeyName' (service policy)` },
    { cs: 'HostName=h;SharedAccessKeyName=p', message: `${E}missing field 'SharedAccessKey'` },
    {
      cs: `HostName=h;SharedAccessKeyName=p;SharedAccessKey=${KEY};GatewayHostName=g`,
      message: `${E}field 'GatewayHostName' requires 'DeviceId' (without it this is a service connection string)`,
    },
    { cs: `HostName=h/x;DeviceId=d;SharedAccessKey=${KEY}`, message: `${E}field 'HostName' is not host[:port]: 'h/x' is not a valid host name` },
    { cs: `HostName=h;DeviceId=d;SharedAccessKey=${KEY};GatewayHostName=g:99999`, message: `${E}field 'GatewayHostName' is not host[:port]: port '99999' is not between 1 and 65535` },
    {
      cs: `HostName=h;DeviceId=a b;SharedAccessKey=${KEY}`,
      message: `${E}field 'DeviceId' must be 1 to 128 characters of A-Z a-z 0-9 - . % _ * ? ! ( ) , : = @ $ ' + #`,
    },
    {
      cs: `HostName=h;DeviceId=d;ModuleId=m/x;SharedAccessKey=${KEY}`,
      message: `${E}field 'ModuleId' must be 1 to 128 characters of A-Z a-z 0-9 - . % _ * ? ! ( ) , : = @ $ ' + #`,
    },
    {
      cs: `HostName=h;DeviceId=${'d'.repeat(129)};SharedAccessKey=${KEY}`,
      message: `${E}field 'DeviceId' must be 1 to 128 characters of A-Z a-z 0-9 - . % _ * ? ! ( ) , : = @ $ ' + #`,
    },
  ])('rejects $cs', ({ cs, message }) => {
    const e = vergeErrorOf(() => parseConnectionString(cs));
    expect(e.code).toBe('CONNECTION_STRING_INVALID');
    expect(e.message).toBe(message);
  });

  it('never echoes the key in errors', () => {
    const e = vergeErrorOf(() => parseConnectionString('HostName=h;DeviceId=d;SharedAccessKey=SECRET*KEY'));
    expect(e.message).not.toContain('SECRET');
    const e2 = vergeErrorOf(() => parseConnectionString('HostName=h;DeviceId=d;SECRETKEYMATERIAL'));
    expect(e2.message).not.toContain('SECRET');
  });
});

describe('formatConnectionString', () => {
  it.each([
    {
      parts: { kind: 'device', hostName: 'h', deviceId: 'd', sharedAccessKey: KEY, gatewayHostName: 'g;x' } as ConnectionString,
      message: "invalid connection string: field 'GatewayHostName' contains ';', which cannot be written in a connection string",
    },
    { parts: { kind: 'module', hostName: 'h', deviceId: 'd', moduleId: 'm' } as ConnectionString, message: "invalid connection string: needs one of 'SharedAccessKey', 'SharedAccessSignature' or 'x509=true'" },
    {
      parts: { kind: 'module', hostName: 'h', deviceId: 'd', sharedAccessKey: KEY } as unknown as ConnectionString,
      message: "invalid connection string: parts of kind 'module' describe a device connection string",
    },
  ])('rejects $message', ({ parts, message }) => {
    const e = vergeErrorOf(() => formatConnectionString(parts));
    expect(e.code).toBe('CONNECTION_STRING_INVALID');
    expect(e.message).toBe(message);
  });

  it('writes the canonical order', () => {
    expect(
      formatConnectionString({ kind: 'module', gatewayHostName: 'gw', sharedAccessKey: KEY, moduleId: 'm', deviceId: 'd', hostName: 'h', sharedAccessKeyName: 'p' }),
    ).toBe(`HostName=h;DeviceId=d;ModuleId=m;SharedAccessKeyName=p;SharedAccessKey=${KEY};GatewayHostName=gw`);
  });
});

describe('gatewayEndpoint', () => {
  it.each([
    [`HostName=hub;DeviceId=d;SharedAccessKey=${KEY}`, { host: 'hub', port: 8883 }],
    [`HostName=hub;DeviceId=d;SharedAccessKey=${KEY};GatewayHostName=edge.local`, { host: 'edge.local', port: 8883 }],
    [`HostName=hub;DeviceId=d;SharedAccessKey=${KEY};GatewayHostName=localhost:28883`, { host: 'localhost', port: 28883 }],
    [`HostName=localhost:40031;DeviceId=d;SharedAccessKey=${KEY}`, { host: 'localhost', port: 40031 }],
    [`HostName=hub;DeviceId=d;x509=true;GatewayHostName=[::1]:1883`, { host: '::1', port: 1883 }],
    [`HostName=hub;DeviceId=d;x509=true;GatewayHostName=[fe80::1]`, { host: 'fe80::1', port: 8883 }],
    [`HostName=hub;SharedAccessKeyName=p;SharedAccessKey=${KEY}`, { host: 'hub', port: 8883 }],
  ])('%s', (cs, expected) => {
    expect(gatewayEndpoint(parseConnectionString(cs))).toEqual(expected);
  });

  it.each([
    ['', 'the host name is empty'],
    ['a:b:c', "more than one ':' (write an IPv6 address as [address])"],
    ['[::1', "'[' without a closing ']'"],
    ['[::1]x', "unexpected 'x' after ']'"],
    ['[host]', "'host' is not an IPv6 address"],
    ['h:0', "port '0' is not between 1 and 65535"],
    ['h:', "port '' is not between 1 and 65535"],
    ['h :1', "'h ' is not a valid host name"],
  ])('parseHostPort(%j) → %s', (text, reason) => {
    expect(parseHostPort(text)).toBe(reason);
  });
});

describe('sasTokenFromConnectionString', () => {
  it('signs the HostName resource (never the gateway) with skn from SharedAccessKeyName', () => {
    const cs = parseConnectionString(`HostName=hub;DeviceId=d;ModuleId=m;SharedAccessKeyName=p;SharedAccessKey=${KEY};GatewayHostName=gw:1`);
    expect(sasTokenFromConnectionString(cs, 10)).toMatch(/^SharedAccessSignature sr=hub%2Fdevices%2Fd%2Fmodules%2Fm&sig=[^&]+&skn=p&se=10$/);
  });

  it('signs sr=host for a service connection string', () => {
    const cs = parseConnectionString(`HostName=hub;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`);
    expect(sasTokenFromConnectionString(cs, 10)).toMatch(/^SharedAccessSignature sr=hub&sig=[^&]+&skn=iothubowner&se=10$/);
  });

  it('refuses a connection string without a key', () => {
    const e = vergeErrorOf(() => sasTokenFromConnectionString(parseConnectionString('HostName=hub;DeviceId=d;x509=true'), 10));
    expect(e.code).toBe('SAS_PARAMETER_INVALID');
    expect(e.message).toBe('the device connection string carries no SharedAccessKey to sign a token with');
  });
});

import { describe, expect, it } from 'vitest';
import { claimIdentity, clientIdOf, parseClientId } from '../../src/index.js';

const UA = 'DeviceClientType=azure-iot-device%2F1.18.4%20(node%20v20.20.2%3B%20Debian%2012%3B%20x64)';

describe('claimIdentity', () => {
  it.each([
    ['d1', `hub.example/d1/?api-version=2021-04-12&${UA}`, { deviceId: 'd1' }, '2021-04-12', 'hub.example'],
    ['d1/m1', `hub.example/d1/m1/?api-version=2021-04-12&${UA}`, { deviceId: 'd1', moduleId: 'm1' }, '2021-04-12', 'hub.example'],
    ['d1', 'hub.example/d1/?api-version=2021-04-12&model-id=dtmi:x;1', { deviceId: 'd1' }, '2021-04-12', 'hub.example'],
    ['d1', 'localhost:40031/d1/?api-version=2021-04-12', { deviceId: 'd1' }, '2021-04-12', 'localhost:40031'],
    ['d1', 'hub.example/d1/api-version=2018-06-30', { deviceId: 'd1' }, '2018-06-30', 'hub.example'],
    ['d1', 'hub.example/d1/api-version=2018-06-30&DeviceClientType=x', { deviceId: 'd1' }, '2018-06-30', 'hub.example'],
    ['dev-1.a_b:c', 'h/dev-1.a_b:c/?api-version=1', { deviceId: 'dev-1.a_b:c' }, '1', 'h'],
    // `?` is a valid id character: a `/?` inside the ids is not the start of the query
    ['?d', 'h/?d/?api-version=1', { deviceId: '?d' }, '1', 'h'],
    ['d/?m', 'h/d/?m/?api-version=1', { deviceId: 'd', moduleId: '?m' }, '1', 'h'],
  ])('accepts client id %s with user name %s', (clientId, username, identity, apiVersion, hostName) => {
    expect(claimIdentity(clientId, username)).toEqual({ ok: true, value: { identity, clientId, apiVersion, hostName } });
  });

  it.each([
    ['', 'h//?api-version=1', "client id '' is not '{deviceId}' or '{deviceId}/{moduleId}'"],
    ['a/b/c', 'h/a/b/c/?api-version=1', "client id 'a/b/c' is not '{deviceId}' or '{deviceId}/{moduleId}'"],
    ['a/', 'h/a/?api-version=1', "client id 'a/' is not '{deviceId}' or '{deviceId}/{moduleId}'"],
    ['d1', undefined, "user name is missing; expected '{host}/{clientId}/?api-version=…'"],
    ['d1', '', "user name is missing; expected '{host}/{clientId}/?api-version=…'"],
    ['d1', 'hub/d1', "user name 'hub/d1' has no '?api-version=' query; expected '{host}/{clientId}/?api-version=…'"],
    ['d1', 'hub/d1/', "user name 'hub/d1/' has no '?api-version=' query; expected '{host}/{clientId}/?api-version=…'"],
    ['d1', '/d1/?api-version=1', "user name '/d1/?api-version=1' does not start with the hub host name"],
    ['d1', 'hub/d2/?api-version=1', "user name 'hub/d2/?api-version=1' names 'd2', not the client id 'd1'"],
    ['d1/m1', 'hub/d1/?api-version=1', "user name 'hub/d1/?api-version=1' names 'd1', not the client id 'd1/m1'"],
    ['d1', 'hub/d1/?DeviceClientType=x', "user name 'hub/d1/?DeviceClientType=x' has no api-version; expected '?api-version=…'"],
    ['d1', 'hub/d1/?api-version=', "user name 'hub/d1/?api-version=' has no api-version; expected '?api-version=…'"],
  ])('refuses client id %j with user name %j', (clientId, username, message) => {
    expect(claimIdentity(clientId, username)).toEqual({ ok: false, message });
  });
});

describe('client ids', () => {
  it('round-trips identities', () => {
    expect(parseClientId('d')).toEqual({ deviceId: 'd' });
    expect(parseClientId('d/m')).toEqual({ deviceId: 'd', moduleId: 'm' });
    expect(clientIdOf({ deviceId: 'd' })).toBe('d');
    expect(clientIdOf({ deviceId: 'd', moduleId: 'm' })).toBe('d/m');
  });
});

import { describe, expect, it } from 'vitest';
import { authorizePublish, authorizeSubscribe, canPublish, canSubscribe, type ClientIdentity } from '@verge/core';

const device: ClientIdentity = { deviceId: 'dev1' };
const module: ClientIdentity = { deviceId: 'edge1', moduleId: 'modA' };

describe('canPublish', () => {
  it.each([
    [device, 'devices/dev1/messages/events/', true],
    [device, 'devices/dev1/messages/events/%24.mid=1&a=b', true],
    [device, 'devices/dev2/messages/events/', false],
    [device, 'devices/DEV1/messages/events/', false],
    [device, 'devices/dev1/modules/m/messages/events/', false],
    [module, 'devices/edge1/modules/modA/messages/events/%24.on=out1&%24.mid=out-X&harness-prop=v2/', true],
    [module, 'devices/edge1/modules/modB/messages/events/', false],
    [module, 'devices/edge1/messages/events/', false],
    [module, 'devices/edge2/modules/modA/messages/events/', false],
    [device, '$iothub/twin/GET/?$rid=1', true],
    [module, '$iothub/twin/PATCH/properties/reported/?$rid=1', true],
    [module, '$iothub/methods/res/200/?$rid=1', true],
    [device, 'devices/dev1/messages/devicebound/', false],
    [device, '$iothub/twin/GET/', false],
    [device, 'garbage', false],
  ])('%o → %s: %s', (identity, topic, expected) => {
    expect(canPublish(identity, topic)).toBe(expected);
  });

  it('explains refusals and returns the parsed topic when allowed', () => {
    expect(authorizePublish(device, 'devices/dev2/messages/events/')).toEqual({
      ok: false,
      reason: 'forbidden',
      message: "device 'dev1' may not publish telemetry as device 'dev2'",
    });
    expect(authorizePublish(module, 'devices/edge1/modules/modB/messages/events/')).toEqual({
      ok: false,
      reason: 'forbidden',
      message: "module 'edge1/modA' may not publish telemetry as module 'edge1/modB'",
    });
    expect(authorizePublish(device, 'nope')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(authorizePublish(device, '$iothub/twin/GET/?$rid=7')).toEqual({ ok: true, value: { kind: 'twinGet', rid: '7' } });
  });
});

describe('canSubscribe', () => {
  it.each([
    [device, '$iothub/twin/res/#', true],
    [device, '$iothub/twin/PATCH/properties/desired/#', true],
    [module, '$iothub/methods/POST/#', true],
    [device, 'devices/dev1/messages/devicebound/#', true],
    [device, 'devices/dev2/messages/devicebound/#', false],
    [module, 'devices/edge1/messages/devicebound/#', false],
    [module, 'devices/edge1/modules/modA/inputs/#', true],
    [module, 'devices/edge1/modules/modA/#', true],
    [module, 'devices/edge1/modules/modB/inputs/#', false],
    [device, 'devices/dev1/modules/m/inputs/#', false],
    [device, '#', false],
    [device, 'devices/+/messages/devicebound/#', false],
  ])('%o → %s: %s', (identity, filter, expected) => {
    expect(canSubscribe(identity, filter)).toBe(expected);
  });

  it('explains refusals', () => {
    expect(authorizeSubscribe(module, 'devices/edge1/messages/devicebound/#')).toEqual({
      ok: false,
      reason: 'forbidden',
      message: "module 'edge1/modA' may not subscribe to cloud-to-device messages: they are for devices only",
    });
    expect(authorizeSubscribe(device, 'devices/dev2/messages/devicebound/#')).toEqual({
      ok: false,
      reason: 'forbidden',
      message: "device 'dev1' may not subscribe to the messages of device 'dev2'",
    });
    expect(authorizeSubscribe(module, 'devices/edge1/modules/modB/#')).toEqual({
      ok: false,
      reason: 'forbidden',
      message: "module 'edge1/modA' may not subscribe to the inputs of module 'edge1/modB'",
    });
    expect(authorizeSubscribe(device, '$iothub/#')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

import { describe, expect, it } from 'vitest';
import {
  IOT_HUB_SAS_CLOCK_SKEW_SEC,
  audienceMatches,
  constantTimeEqual,
  createSasToken,
  deviceResource,
  moduleResource,
  parseSasResource,
  sasAudiences,
  verifySasToken,
} from '@verge/core';

const PRIMARY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
const SECONDARY = 'ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=';
const OTHER = 'b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktISE=';
const HUB = 'harness-hub.local';
const GATEWAY = 'edge-gw.local';
const SE = 1_795_724_430;

const deviceAudiences = sasAudiences({ hostNames: [HUB, GATEWAY], deviceId: 'dev1' });
const moduleAudiences = sasAudiences({ hostNames: [HUB, GATEWAY], deviceId: 'edge1', moduleId: 'modB' });

function token(resource: string, key = PRIMARY, expirySec = SE, keyName?: string): string {
  return createSasToken({ resource, key, expirySec, ...(keyName === undefined ? {} : { keyName }) });
}

describe('sasAudiences', () => {
  it('lists the device resource per host', () => {
    expect(deviceAudiences).toEqual([`${HUB}/devices/dev1`, `${GATEWAY}/devices/dev1`]);
  });
  it('lists module and device-scoped resources per host for a module (EH ValidateAudienceIds)', () => {
    expect(moduleAudiences).toEqual([
      `${HUB}/devices/edge1/modules/modB`,
      `${HUB}/devices/edge1`,
      `${GATEWAY}/devices/edge1/modules/modB`,
      `${GATEWAY}/devices/edge1`,
    ]);
  });
});

describe('verifySasToken', () => {
  const now = SE - 100;
  it.each([
    { name: 'round trip with the primary key', tok: token(deviceResource(HUB, 'dev1')), keys: [PRIMARY, SECONDARY], aud: deviceAudiences, keyIndex: 0 },
    { name: 'secondary key', tok: token(deviceResource(HUB, 'dev1'), SECONDARY), keys: [PRIMARY, SECONDARY], aud: deviceAudiences, keyIndex: 1 },
    { name: 'gateway host audience', tok: token(deviceResource(GATEWAY, 'dev1')), keys: [PRIMARY], aud: deviceAudiences, keyIndex: 0 },
    { name: 'host compares case-insensitively', tok: token('HARNESS-HUB.LOCAL/devices/dev1'), keys: [PRIMARY], aud: deviceAudiences, keyIndex: 0 },
    { name: 'module token', tok: token(moduleResource(HUB, 'edge1', 'modB')), keys: [PRIMARY], aud: moduleAudiences, keyIndex: 0 },
    { name: 'device-scoped token for a module', tok: token(deviceResource(HUB, 'edge1')), keys: [PRIMARY], aud: moduleAudiences, keyIndex: 0 },
    {
      name: 'module token signed with the device key (allowDeviceAuthForModule)',
      tok: token(moduleResource(HUB, 'edge1', 'modB'), OTHER),
      keys: [PRIMARY, SECONDARY, OTHER],
      aud: moduleAudiences,
      keyIndex: 2,
    },
    { name: 'expires exactly now (se >= now)', tok: token(deviceResource(HUB, 'dev1'), PRIMARY, SE), keys: [PRIMARY], aud: deviceAudiences, keyIndex: 0, nowSec: SE },
    { name: 'skn token', tok: token(HUB, PRIMARY, SE, 'iothubowner'), keys: [PRIMARY], aud: [HUB], keyIndex: 0 },
  ])('accepts: $name', ({ tok, keys, aud, keyIndex, nowSec }) => {
    const result = verifySasToken(tok, { keys, audiences: aud, nowSec: nowSec ?? now });
    expect(result).toMatchObject({ ok: true, keyIndex });
  });

  it.each([
    {
      name: 'wrong key',
      tok: token(deviceResource(HUB, 'dev1'), OTHER),
      aud: deviceAudiences,
      reason: 'signature',
      message: 'SAS token signature does not match any key of the identity',
    },
    {
      name: 'expired one second ago',
      tok: token(deviceResource(HUB, 'dev1')),
      aud: deviceAudiences,
      nowSec: SE + 1,
      reason: 'expired',
      message: `SAS token expired at ${SE} (now ${SE + 1})`,
    },
    {
      name: 'another device',
      tok: token(deviceResource(HUB, 'dev2')),
      aud: deviceAudiences,
      reason: 'audience',
      message: "SAS token audience 'harness-hub.local/devices/dev2' is not accepted here",
    },
    {
      name: 'device ids are case-sensitive',
      tok: token(deviceResource(HUB, 'DEV1')),
      aud: deviceAudiences,
      reason: 'audience',
      message: "SAS token audience 'harness-hub.local/devices/DEV1' is not accepted here",
    },
    {
      name: 'unknown host',
      tok: token(deviceResource('evil.example', 'dev1')),
      aud: deviceAudiences,
      reason: 'audience',
      message: "SAS token audience 'evil.example/devices/dev1' is not accepted here",
    },
    {
      name: 'module token presented by the device',
      tok: token(moduleResource(HUB, 'dev1', 'm')),
      aud: deviceAudiences,
      reason: 'audience',
      message: "SAS token audience 'harness-hub.local/devices/dev1/modules/m' is not accepted here",
    },
    {
      name: 'another module of the same device',
      tok: token(moduleResource(HUB, 'edge1', 'modA')),
      aud: moduleAudiences,
      reason: 'audience',
      message: "SAS token audience 'harness-hub.local/devices/edge1/modules/modA' is not accepted here",
    },
    {
      name: 'no prefix matching: hub-wide token for a device',
      tok: token(HUB),
      aud: deviceAudiences,
      reason: 'audience',
      message: "SAS token audience 'harness-hub.local' is not accepted here",
    },
    {
      name: 'trailing slash is a different audience',
      tok: token(`${deviceResource(HUB, 'dev1')}/`),
      aud: deviceAudiences,
      reason: 'audience',
      message: "SAS token audience 'harness-hub.local/devices/dev1/' is not accepted here",
    },
    {
      name: 'malformed',
      tok: 'SharedAccessSignature sr=x',
      aud: deviceAudiences,
      reason: 'malformed',
      message: "malformed SAS token: missing fields 'sig', 'se'",
    },
  ])('refuses: $name', ({ tok, aud, reason, message, nowSec }) => {
    expect(verifySasToken(tok, { keys: [PRIMARY, SECONDARY], audiences: aud, nowSec: nowSec ?? now })).toEqual({ ok: false, reason, message });
  });

  it('refuses a signature made over a re-encoded sr (the sr as sent is what is signed)', () => {
    const good = token(deviceResource(HUB, 'd*1'));
    const tampered = good.replace('%2a', '%2A'); // same decoded resource, different signed text
    expect(verifySasToken(tampered, { keys: [PRIMARY], audiences: [deviceResource(HUB, 'd*1')], nowSec: now })).toMatchObject({ ok: false, reason: 'signature' });
    expect(verifySasToken(good, { keys: [PRIMARY], audiences: [deviceResource(HUB, 'd*1')], nowSec: now })).toMatchObject({ ok: true });
  });

  it('refuses a token whose se was changed', () => {
    const tampered = token(deviceResource(HUB, 'dev1')).replace(`se=${SE}`, `se=${SE + 3600}`);
    expect(verifySasToken(tampered, { keys: [PRIMARY], audiences: deviceAudiences, nowSec: now })).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('honours clockSkewSec (IoT Hub tolerates 5 minutes)', () => {
    const tok = token(deviceResource(HUB, 'dev1'));
    const opts = { keys: [PRIMARY], audiences: deviceAudiences, clockSkewSec: IOT_HUB_SAS_CLOCK_SKEW_SEC };
    expect(verifySasToken(tok, { ...opts, nowSec: SE + 300 })).toMatchObject({ ok: true });
    expect(verifySasToken(tok, { ...opts, nowSec: SE + 301 })).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses when no key is given', () => {
    expect(verifySasToken(token(deviceResource(HUB, 'dev1')), { keys: [], audiences: deviceAudiences, nowSec: now })).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('throws SAS_KEY_INVALID for a key that is not base64 (programmer error)', () => {
    expect(() => verifySasToken(token(deviceResource(HUB, 'dev1')), { keys: ['%%%'], audiences: deviceAudiences, nowSec: now })).toThrow('key 0 is not valid base64');
  });
});

describe('the observed CONNECT password (azure-sdk-protocol.md §2; its throwaway key is not published)', () => {
  const observed =
    'SharedAccessSignature sr=harness-hub.local%2Fdevices%2Fharness-dev1&sig=ipCelJgEIHnZbgkuEolNgkHkWouQB1z5iuko5ZPti5M%3D&se=1795724430';
  const audiences = sasAudiences({ hostNames: [HUB, GATEWAY], deviceId: 'harness-dev1' });

  it('passes audience and expiry checks, and fails the signature with any other key', () => {
    expect(verifySasToken(observed, { keys: [PRIMARY, SECONDARY], audiences, nowSec: 1795724430 })).toEqual({
      ok: false,
      reason: 'signature',
      message: 'SAS token signature does not match any key of the identity',
    });
  });

  it('is expired one second after se', () => {
    expect(verifySasToken(observed, { keys: [PRIMARY], audiences, nowSec: 1795724431 })).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('is refused for another device', () => {
    expect(verifySasToken(observed, { keys: [PRIMARY], audiences: deviceAudiences, nowSec: 0 })).toMatchObject({ ok: false, reason: 'audience' });
  });

  it('has exactly the shape we produce for the same resource and se', () => {
    const ours = createSasToken({ resource: deviceResource(HUB, 'harness-dev1'), key: PRIMARY, expirySec: 1795724430 });
    expect(ours.replace(/sig=[^&]+/, 'sig=*')).toBe(observed.replace(/sig=[^&]+/, 'sig=*'));
  });
});

describe('audienceMatches / parseSasResource / constantTimeEqual', () => {
  it.each([
    ['hub/devices/d', 'HUB/devices/d', true],
    ['hub/devices/d', 'hub/devices/D', false],
    ['hub', 'Hub', true],
    ['hub/devices/d', 'hub/devices/d/modules/m', false],
  ])('%s vs %s → %s', (r, a, expected) => {
    expect(audienceMatches(r, a)).toBe(expected);
  });

  it.each([
    ['hub.example', { kind: 'hub', hostName: 'hub.example' }],
    ['hub/devices/d', { kind: 'device', hostName: 'hub', deviceId: 'd' }],
    ['hub/devices/d/modules/$edgeHub', { kind: 'module', hostName: 'hub', deviceId: 'd', moduleId: '$edgeHub' }],
    ['hub/devices', undefined],
    ['hub/devices/d/', undefined],
    ['hub/things/d', undefined],
    ['hub/devices/d/modules', undefined],
    ['', undefined],
  ])('parseSasResource(%s)', (resource, expected) => {
    expect(parseSasResource(resource)).toEqual(expected);
  });

  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['', '', true],
    ['', 'a', false],
  ])('constantTimeEqual(%s, %s) → %s', (a, b, expected) => {
    expect(constantTimeEqual(a, b)).toBe(expected);
  });
});

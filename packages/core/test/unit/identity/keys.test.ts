import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { vergeErrorOf } from '@verge/testkit';
import {
  createSasToken,
  decodeBase64,
  deriveModuleKey,
  generateSymmetricKey,
  isValidSymmetricKey,
  moduleResource,
  parseSasToken,
  signWithKey,
  verifySasToken,
} from '@verge/core';

const MODULE_KEY = 'bW9kdWxlLWtleS1tb2R1bGUta2V5LW1vZHVsZS1rZXk=';
const DEVICE_KEY = 'ZGV2aWNlLWtleS1kZXZpY2Uta2V5LWRldmljZS1rZXk=';

function oracle(keyB64: string, data: Buffer | string): string {
  return createHmac('sha256', Buffer.from(keyB64, 'base64')).update(data).digest('base64');
}

describe('signWithKey (workload API /sign)', () => {
  // azure-sdk-protocol.md §7: observed sign body for harness-modB.
  const stringToSign = 'harness-hub.local%2Fdevices%2Fharness-edge1%2Fmodules%2Fharness-modB\n1795724450';
  const data = Buffer.from(stringToSign).toString('base64');

  it('returns base64 HMAC-SHA256 of the decoded data', () => {
    expect(signWithKey(MODULE_KEY, data)).toBe(oracle(MODULE_KEY, stringToSign));
  });

  it('the digest, url-encoded as sig, gives the token the hub verifies with the module key', () => {
    const digest = signWithKey(MODULE_KEY, data);
    const tok = `SharedAccessSignature sr=harness-hub.local%2Fdevices%2Fharness-edge1%2Fmodules%2Fharness-modB&sig=${encodeURIComponent(digest)}&se=1795724450`;
    expect(tok).toBe(createSasToken({ resource: moduleResource('harness-hub.local', 'harness-edge1', 'harness-modB'), key: MODULE_KEY, expirySec: 1795724450 }));
    expect(Buffer.from(parseSasToken(tok).stringToSign).toString('base64')).toBe(data);
    expect(
      verifySasToken(tok, { keys: [MODULE_KEY], audiences: [moduleResource('harness-hub.local', 'harness-edge1', 'harness-modB')], nowSec: 1795724000 }),
    ).toMatchObject({ ok: true, keyIndex: 0 });
  });

  it('signs binary and empty data', () => {
    expect(signWithKey(MODULE_KEY, 'AP8=')).toBe(oracle(MODULE_KEY, Buffer.from([0, 255])));
    expect(signWithKey(MODULE_KEY, '')).toBe(oracle(MODULE_KEY, Buffer.alloc(0)));
  });

  it.each([
    { fn: () => signWithKey(MODULE_KEY, 'not base64!'), code: 'SAS_DATA_INVALID', message: 'data to sign is not valid base64' },
    { fn: () => signWithKey('', 'AA=='), code: 'SAS_KEY_INVALID', message: 'shared access key is empty' },
    { fn: () => signWithKey('a b', 'AA=='), code: 'SAS_KEY_INVALID', message: 'shared access key is not valid base64' },
  ])('rejects: $message', ({ fn, code, message }) => {
    const e = vergeErrorOf(fn);
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });
});

describe('deriveModuleKey (reference §11.4)', () => {
  it.each([
    ['modA', 'gen1', 'primary'],
    ['modA', 'gen1', 'secondary'],
    ['$edgeHub', '637841234567890123', 'primary'],
  ] as const)('HMAC(deviceKey, "%s:%s:%s")', (moduleId, generationId, keyId) => {
    expect(deriveModuleKey(DEVICE_KEY, moduleId, generationId, keyId)).toBe(oracle(DEVICE_KEY, `${moduleId}:${generationId}:${keyId}`));
  });

  it('a new generation changes the key; primary and secondary differ', () => {
    const a = deriveModuleKey(DEVICE_KEY, 'm', 'g1', 'primary');
    expect(a).not.toBe(deriveModuleKey(DEVICE_KEY, 'm', 'g2', 'primary'));
    expect(a).not.toBe(deriveModuleKey(DEVICE_KEY, 'm', 'g1', 'secondary'));
    expect(isValidSymmetricKey(a)).toBe(true);
  });

  it.each([
    { fn: () => deriveModuleKey(DEVICE_KEY, '', 'g', 'primary'), code: 'SAS_PARAMETER_INVALID', message: 'cannot derive a module key: moduleId is empty' },
    { fn: () => deriveModuleKey(DEVICE_KEY, 'm', '', 'primary'), code: 'SAS_PARAMETER_INVALID', message: 'cannot derive a module key: generationId is empty' },
    { fn: () => deriveModuleKey(DEVICE_KEY, 'm', 'g', 'tertiary' as 'primary'), code: 'SAS_PARAMETER_INVALID', message: "keyId 'tertiary' must be 'primary' or 'secondary'" },
    { fn: () => deriveModuleKey('', 'm', 'g', 'primary'), code: 'SAS_KEY_INVALID', message: 'device key is empty' },
  ])('rejects: $message', ({ fn, code, message }) => {
    const e = vergeErrorOf(fn);
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });
});

describe('generateSymmetricKey / isValidSymmetricKey / decodeBase64', () => {
  it('encodes the injected bytes as standard base64', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    expect(generateSymmetricKey(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });

  it.each([15, 65, 0])('refuses %i bytes', (n) => {
    const e = vergeErrorOf(() => generateSymmetricKey(new Uint8Array(n)));
    expect(e.code).toBe('SAS_KEY_INVALID');
    expect(e.message).toBe(`a symmetric key needs 16 to 64 random bytes, got ${n}`);
  });

  it.each([
    [Buffer.alloc(16).toString('base64'), true],
    [Buffer.alloc(64).toString('base64'), true],
    [Buffer.alloc(15).toString('base64'), false],
    [Buffer.alloc(65).toString('base64'), false],
    ['', false],
    ['***', false],
  ])('isValidSymmetricKey(%s) → %s', (key, ok) => {
    expect(isValidSymmetricKey(key)).toBe(ok);
  });

  it.each([
    ['YQ==', [97]],
    ['YQ', [97]],
    ['YQ=', [97]],
    ['-_8=', [251, 255]],
    ['+/8=', [251, 255]],
    ['', []],
  ])('decodeBase64(%s) like Buffer.from(…, "base64")', (text, bytes) => {
    expect(Array.from(decodeBase64(text) ?? [-1])).toEqual(bytes);
  });

  it.each(['Y', 'YQ===', 'Y Q=', 'Y\nQ=', 'YQ==YQ==', '@@@@'])('decodeBase64(%j) → undefined', (text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });
});

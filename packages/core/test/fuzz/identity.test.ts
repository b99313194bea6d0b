import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VergeError } from '@verge/contracts';
import {
  canPublish,
  canSubscribe,
  createSasToken,
  deviceResource,
  formatConnectionString,
  moduleResource,
  parseConnectionString,
  parseSasToken,
  sasAudiences,
  verifySasToken,
} from '@verge/core';
import { fuzzRuns } from '@verge/testkit/fuzz';

const RUNS = { numRuns: fuzzRuns(100_000) };
const KEY = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

/** Runs `fn`; anything thrown must be a VergeError. */
function onlyVergeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof VergeError)) throw e;
  }
}

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ unit: 'grapheme', maxLength: 120 }), fc.string({ maxLength: 120 }));

const tokenPiece = fc.oneof(
  fc.constantFrom('SharedAccessSignature ', 'SharedAccessSignature', ' ', '\t', 'sr=', 'SR=', 'sig=', 'se=', 'skn=', '&', '=', '%', '%2F', '%3D', '%zz', '%E0%A4'),
  fc.stringMatching(/^[A-Za-z0-9%+/=.-]{0,12}$/),
  fc.nat().map(String),
  fc.string({ maxLength: 6 }),
);
const tokenField = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('sr', 'sig', 'se', 'skn', 'SR', 'Se'), fc.oneof(fc.stringMatching(/^[A-Za-z0-9%.+/=-]{1,16}$/), fc.nat().map(String), fc.constantFrom('hub%2Fdevices%2Fd', '%zz', '', '-1', '1.5'))).map(([n, v]) => `${n}=${v}`) },
  { weight: 1, arbitrary: fc.array(tokenPiece, { maxLength: 3 }).map((p) => p.join('')) },
);
// Tokens built from plausible fields (shuffled, one maybe dropped, extra noisy fields) and token-like noise.
const tokenish = fc.oneof(
  { weight: 4, arbitrary: fc
    .tuple(
      fc.oneof({ weight: 6, arbitrary: fc.constant('SharedAccessSignature ') }, { weight: 1, arbitrary: fc.constantFrom('SharedAccessSignature  ', 'sharedaccesssignature ', '') }),
      fc.constantFrom('sr=hub%2Fdevices%2Fd', 'sr=h', 'SR=hub/devices/d'),
      fc.oneof(fc.stringMatching(/^sig=[A-Za-z0-9+/=]{1,44}$/), fc.stringMatching(/^sig=[A-Za-z0-9%+/=]{1,44}$/)),
      fc.oneof(fc.nat().map((n) => `se=${n}`), fc.constantFrom('se=-1', 'se=1.5', 'se=', 'se=99999999999999999999')),
      fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.array(tokenField, { maxLength: 2 }) }, { weight: 1, arbitrary: fc.constant(['foo=bar']) }),
      fc.constantFrom('&', '&', '&&'),
    )
    .chain(([prefix, sr, sig, se, extra, sep]) =>
      fc.shuffledSubarray([sr, sig, se, ...extra], { minLength: 2 + extra.length }).map((fields) => prefix + fields.join(sep)),
    ) },
  { weight: 1, arbitrary: fc.array(tokenPiece, { maxLength: 12 }).map((p) => p.join('')) },
);

describe('parseSasToken / verifySasToken fuzz', () => {
  it('parseSasToken: random strings return or throw VergeError', () => {
    fc.assert(fc.property(anyText, (s) => onlyVergeErrors(() => parseSasToken(s))), RUNS);
  });

  it('parseSasToken: structure-aware tokens return or throw SAS_TOKEN_MALFORMED', () => {
    fc.assert(
      fc.property(tokenish, (s) => {
        try {
          const t = parseSasToken(s);
          expect(Number.isSafeInteger(t.expirySec)).toBe(true);
          expect(t.stringToSign.startsWith(`${t.encodedResource}\n`)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(VergeError);
          expect((e as VergeError).code).toBe('SAS_TOKEN_MALFORMED');
        }
      }),
      RUNS,
    );
  });

  it('verifySasToken never throws on untrusted tokens', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, tokenish), fc.integer({ min: 0, max: 4_102_444_800 }), (s, nowSec) => {
        const r = verifySasToken(s, { keys: [KEY], audiences: ['hub/devices/d'], nowSec });
        expect(typeof r.ok).toBe('boolean');
      }),
      RUNS,
    );
  });

  const id = fc.stringMatching(/^[A-Za-z0-9\-.%_*?!(),:=@$'+#]{1,24}$/);
  it('create → verify round-trips; any single-character change of the token is refused', () => {
    fc.assert(
      fc.property(id, fc.option(id, { nil: undefined }), fc.integer({ min: 1, max: 4_102_444_800 }), fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), (d, m, se, pos, ch) => {
        const resource = m === undefined ? deviceResource('hub.local', d) : moduleResource('hub.local', d, m);
        const token = createSasToken({ resource, key: KEY, expirySec: se });
        const audiences = sasAudiences({ hostNames: ['hub.local', 'gw.local'], deviceId: d, ...(m === undefined ? {} : { moduleId: m }) });
        expect(verifySasToken(token, { keys: [KEY], audiences, nowSec: se })).toMatchObject({ ok: true, keyIndex: 0 });
        const i = pos % token.length;
        const mutated = token.slice(0, i) + ch + token.slice(i + 1);
        if (mutated !== token) {
          const r = verifySasToken(mutated, { keys: [KEY], audiences, nowSec: 0 });
          if (r.ok) expect(parseSasToken(mutated).stringToSign).toBe(parseSasToken(token).stringToSign);
        }
      }),
      { numRuns: fuzzRuns(20_000) },
    );
  });
});

const csPiece = fc.oneof(
  fc.constantFrom('HostName=', 'DeviceId=', 'ModuleId=', 'SharedAccessKey=', 'x509=', ';', '=', 'hostname=', ' '),
  fc.string({ maxLength: 6 }),
);
const csValue = fc.oneof(
  fc.constantFrom(KEY, 'hub.local', 'localhost:28883', '[::1]:1', 'h:0', 'd1', 'm1', '$edgeHub', 'true', 'TRUE', 'no', 'a b', 'SharedAccessSignature sr=a&sig=b&se=1', 'sig', ''),
  fc.stringMatching(/^[A-Za-z0-9.:=+/$-]{1,10}$/),
);
const csName = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('HostName', 'DeviceId', 'ModuleId', 'SharedAccessKey', 'SharedAccessKeyName', 'SharedAccessSignature', 'GatewayHostName', 'x509') },
  { weight: 1, arbitrary: fc.constantFrom('hostname', 'Foo', '', ' DeviceId') },
);
const credential = fc.constantFrom<[string, string][]>([['SharedAccessKey', KEY]], [['x509', 'true']], [['SharedAccessSignature', 'SharedAccessSignature sr=a&sig=b&se=1']], [['SharedAccessKeyName', 'p'], ['SharedAccessKey', KEY]], []);
// Mostly well-formed connection strings (shuffled, some fields dropped or replaced) plus connection-string-like noise.
const csish = fc.oneof(
  fc
    .tuple(
      fc.constantFrom<[string, string][]>([['HostName', 'hub.local']], [['HostName', 'localhost:28883']], []),
      fc.constantFrom<[string, string][]>([['DeviceId', 'd1']], [['DeviceId', 'd1'], ['ModuleId', '$edgeHub']], [['SharedAccessKeyName', 'iothubowner']], []),
      credential,
      fc.array(fc.tuple(csName, csValue), { maxLength: 2 }),
    )
    .chain(([a, b, c, extra]) => fc.shuffledSubarray([...a, ...b, ...c, ...extra], { minLength: Math.max(0, a.length + b.length + c.length - 1) }))
    .map((fields) => fields.map(([n, v]) => `${n}=${v}`).join(';')),
  fc.array(csPiece, { maxLength: 12 }).map((p) => p.join('')),
);

describe('parseConnectionString fuzz', () => {
  it('random strings return or throw VergeError', () => {
    fc.assert(fc.property(anyText, (s) => onlyVergeErrors(() => parseConnectionString(s))), RUNS);
  });

  it('structure-aware strings return or throw CONNECTION_STRING_INVALID; what parses formats and parses back', () => {
    fc.assert(
      fc.property(csish, (s) => {
        let parsed;
        try {
          parsed = parseConnectionString(s);
        } catch (e) {
          expect(e).toBeInstanceOf(VergeError);
          expect((e as VergeError).code).toBe('CONNECTION_STRING_INVALID');
          return;
        }
        expect(parseConnectionString(formatConnectionString(parsed))).toEqual(parsed);
      }),
      RUNS,
    );
  });
});

describe('authorization fuzz', () => {
  const identity = fc.record({ deviceId: fc.string({ maxLength: 8 }), moduleId: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }) });
  const topicish = fc
    .array(fc.oneof(fc.constantFrom('devices/', '$iothub/', '/messages/events/', '/modules/', '/inputs/', '/#', '?$rid=', '/messages/devicebound/', 'd', 'm', '&', '='), fc.string({ maxLength: 5 })), { maxLength: 8 })
    .map((p) => p.join(''));

  it('canPublish / canSubscribe never throw', () => {
    fc.assert(
      fc.property(identity, fc.oneof(anyText, topicish), (who, topic) => {
        const id = who.moduleId === undefined ? { deviceId: who.deviceId } : { deviceId: who.deviceId, moduleId: who.moduleId };
        expect(typeof canPublish(id, topic)).toBe('boolean');
        expect(typeof canSubscribe(id, topic)).toBe('boolean');
      }),
      RUNS,
    );
  });
});

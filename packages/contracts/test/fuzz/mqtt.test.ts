import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  VergeError,
  decodePropertyBag,
  encodePropertyBag,
  parseInboundTopic,
  parseOutboundTopic,
  parseSubscription,
  percentDecode,
  scanPropertyBag,
  systemPropertyWireNames,
  tokenizePropertyBag,
  topics,
} from '@verge/contracts';
import { fuzzRuns } from '@verge/testkit/fuzz';

const RUNS = { numRuns: fuzzRuns(100_000) };

/** Runs `fn`; anything thrown must be a VergeError. */
function onlyVergeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof VergeError)) throw e;
  }
}

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ maxLength: 80 }));
const bagChars = fc.constantFrom('a', 'k', '=', '&', '/', '?', '%', '2', '4', 'F', 'f', '.', '$', '+', ' ', 'é', '\ud800', 'm', 'i', 'd', '#');
const bagish = fc.string({ unit: bagChars, maxLength: 60 });
const wireKeys = Object.keys(systemPropertyWireNames);
const bagFragments = fc.array(
  fc.oneof(
    fc.constantFrom(...wireKeys, ...wireKeys.map((k) => k.replace('$', '%24')), '$rid', '$version', 'iothub-ack'),
    bagish,
    fc.constantFrom('=', '&', '/', '?', '%', '%3D', '%2F', '%zz', '%C3%A9', '%FF'),
  ),
  { maxLength: 12 },
).map((parts) => parts.join(''));

describe('decodePropertyBag fuzz', () => {
  it('random strings: returns or throws VergeError', () => {
    fc.assert(fc.property(anyText, (s) => onlyVergeErrors(() => decodePropertyBag(s))), RUNS);
  });

  it('structure-aware bags: returns or throws TOPIC_PROPERTY_BAG_INVALID', () => {
    fc.assert(
      fc.property(bagFragments, (s) => {
        try {
          const bag = decodePropertyBag(s);
          for (const v of [...Object.values(bag.systemProperties), ...Object.values(bag.properties)]) expect(typeof v).toBe('string');
        } catch (e) {
          expect(e).toBeInstanceOf(VergeError);
          expect((e as VergeError).code).toBe('TOPIC_PROPERTY_BAG_INVALID');
        }
      }),
      RUNS,
    );
  });

  /** The pairs, or the error's message and details, of one tokenizer. */
  function outcome(tokenize: typeof tokenizePropertyBag, text: string, start: number): unknown {
    try {
      return tokenize({ text, start, label: `topic '${text}'` });
    } catch (e) {
      return e instanceof VergeError ? { code: e.code, message: e.message, details: e.details } : e;
    }
  }

  it('the fast path gives the same pairs and errors as the full scanner', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'k', '%', '2', '4', '$', '.', 'é', '+'), maxLength: 6 });
    const wellFormed = fc
      .tuple(fc.array(fc.tuple(fc.oneof(fc.constantFrom(...wireKeys), word), fc.option(word)), { maxLength: 5 }), fc.constantFrom('', '/', '&', '&/'))
      .map(([pairs, tail]) => pairs.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join('&') + tail);
    const prefixed = fc.tuple(fc.constantFrom('', 'devices/d/messages/events/', 'a?b/'), fc.oneof(wellFormed, bagFragments, anyText));
    fc.assert(
      fc.property(prefixed, ([prefix, bag]) => {
        const text = prefix + bag;
        expect(outcome(tokenizePropertyBag, text, prefix.length)).toEqual(outcome(scanPropertyBag, text, prefix.length));
      }),
      RUNS,
    );
  });

  const value = fc.string({ unit: 'grapheme', maxLength: 16 });
  const appKey = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 }).filter((k) => !Object.hasOwn(systemPropertyWireNames, k));
  const hubToDeviceNames = Object.values(systemPropertyWireNames).filter((n) => n !== 'outputName');
  const deviceToHubNames = Object.values(systemPropertyWireNames).filter((n) => n !== 'connectionDeviceId' && n !== 'connectionModuleId');

  it.each([
    ['hubToDevice', hubToDeviceNames],
    ['deviceToHub', deviceToHubNames],
  ] as const)('encode → decode round-trips (%s)', (direction, names) => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 6 }),
        fc.dictionary(appKey, value, { maxKeys: 6 }),
        (systemProperties, properties) => {
          const decoded = decodePropertyBag(encodePropertyBag({ systemProperties, properties }, { direction }));
          expect(decoded).toEqual({ systemProperties, properties });
        },
      ),
      RUNS,
    );
  });
});

const ids = fc.oneof(fc.stringMatching(/^[A-Za-z0-9\-.%_*?!(),:=@$']{1,12}$/), fc.constantFrom('', '+', '#', 'a/b', '$edgeHub', 'x\u0000'));
const prefixes = fc.constantFrom(
  'devices/',
  '$iothub/',
  '$iothub/twin/GET',
  '$iothub/twin/GET/?$rid=',
  '$iothub/twin/PATCH/properties/reported/',
  '$iothub/twin/PATCH/properties/desired/',
  '$iothub/twin/res/',
  '$iothub/methods/res/',
  '$iothub/methods/POST/',
  '/messages/events/',
  '/messages/devicebound/',
  '/modules/',
  '/inputs/',
  '/#',
  '?$rid=',
  '&$version=',
);
const sep = fc.constantFrom('/?', '?', '/', '', '/?&');
// Topic-shaped strings: every template of the surface with noisy ids, bags and queries, plus free mixes of pieces.
const topicish = fc.oneof(
  fc.tuple(ids, bagFragments, fc.constantFrom('', '/', '//')).map(([d, b, t]) => `devices/${d}/messages/events/${b}${t}`),
  fc.tuple(ids, ids, bagFragments, fc.constantFrom('', '/')).map(([d, m, b, t]) => `devices/${d}/modules/${m}/messages/events/${b}${t}`),
  fc.tuple(ids, bagFragments).map(([d, b]) => `devices/${d}/messages/devicebound/${b}`),
  fc.tuple(ids, ids, ids, bagFragments).map(([d, m, i, b]) => `devices/${d}/modules/${m}/inputs/${i}/${b}`),
  fc.tuple(ids, ids, fc.constantFrom('inputs/#', '#', 'inputs/+', 'outputs/#')).map(([d, m, t]) => `devices/${d}/modules/${m}/${t}`),
  fc.tuple(ids, fc.constantFrom('messages/devicebound/#', 'messages/devicebound', '#')).map(([d, t]) => `devices/${d}/${t}`),
  fc
    .tuple(
      fc.constantFrom('$iothub/twin/GET', '$iothub/twin/PATCH/properties/reported', '$iothub/twin/PATCH/properties/desired', '$iothub/twin/res/200', '$iothub/twin/res/x', '$iothub/methods/res/200', '$iothub/methods/res/-1', '$iothub/methods/POST/reboot', '$iothub/methods/POST/'),
      sep,
      fc.array(fc.tuple(fc.constantFrom('$rid', '%24rid', '$version', 'x'), fc.oneof(fc.nat().map(String), bagish)), { maxLength: 3 }),
    )
    .map(([p, s, q]) => p + s + q.map(([k, v]) => `${k}=${v}`).join('&')),
  fc.constantFrom('$iothub/twin/res/#', '$iothub/twin/PATCH/properties/desired/#', '$iothub/methods/POST/#', '$iothub/#', '#'),
  fc.array(fc.oneof(prefixes, ids, bagFragments), { maxLength: 8 }).map((p) => p.join('')),
);

describe('topic parsers fuzz', () => {
  it.each([
    ['parseInboundTopic', parseInboundTopic],
    ['parseOutboundTopic', parseOutboundTopic],
    ['parseSubscription', parseSubscription],
  ] as const)('%s: random strings return or throw VergeError', (_name, parse) => {
    fc.assert(fc.property(anyText, (s) => onlyVergeErrors(() => parse(s))), RUNS);
  });

  it.each([
    ['parseInboundTopic', parseInboundTopic],
    ['parseOutboundTopic', parseOutboundTopic],
    ['parseSubscription', parseSubscription],
  ] as const)('%s: structure-aware topics return or throw VergeError', (_name, parse) => {
    fc.assert(fc.property(topicish, (s) => onlyVergeErrors(() => parse(s))), RUNS);
  });

  const goodId = fc.stringMatching(/^[A-Za-z0-9\-.%_*?!(),:=@$']{1,12}$/);
  const rid = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
  const props = fc.dictionary(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((k) => !Object.hasOwn(systemPropertyWireNames, k)),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    { maxKeys: 4 },
  );

  /** What a telemetry topic parses to, or the error code: the reference reading of reference §5.3–5.4, not the parser's. */
  function telemetryReference(topic: string): unknown {
    const levels = topic.split('/');
    const isModule = levels[2] === 'modules';
    const head = isModule ? 6 : 4;
    const shape = isModule ? ['devices', '', 'modules', '', 'messages', 'events'] : ['devices', '', 'messages', 'events'];
    if (levels.length < head || shape.some((s, i) => s !== '' && levels[i] !== s)) return 'TOPIC_INVALID';
    const bagStart = Math.min(levels.slice(0, head).join('/').length + 1, topic.length);
    try {
      const [deviceId, moduleId] = [levels[1] ?? '', isModule ? (levels[3] ?? '') : undefined];
      const badId = (id: string): boolean => id === '' || ['/', '+', '#', '\u0000'].some((c) => id.includes(c));
      if (badId(deviceId) || (moduleId !== undefined && badId(moduleId))) return 'TOPIC_INVALID';
      const bag = decodePropertyBag(topic.slice(bagStart));
      const { connectionModuleId: _cmid, outputName, ...rest } = bag.systemProperties;
      const systemProperties = { ...rest, ...(isModule && outputName !== undefined ? { outputName } : {}), connectionDeviceId: deviceId, ...(isModule ? { connectionModuleId: moduleId } : {}) };
      return { deviceId, moduleId, outputName: isModule ? outputName : undefined, systemProperties, properties: bag.properties };
    } catch (e) {
      return e instanceof VergeError ? e.code : e;
    }
  }

  it('telemetry topics parse as the head levels plus the decoded bag after them', () => {
    const telemetryish = fc.oneof(topicish, fc.tuple(fc.constantFrom('devices/d/messages/events', 'devices/d/modules/m/messages/events'), fc.constantFrom('', '/', '//'), bagFragments).map((p) => p.join('')));
    fc.assert(
      fc.property(telemetryish, (topic) => {
        if (!topic.startsWith('devices/')) return;
        let actual: unknown;
        try {
          const t = parseInboundTopic(topic);
          if (t.kind !== 'telemetry') throw new Error(`not telemetry: ${topic}`);
          actual = { deviceId: t.deviceId, moduleId: t.moduleId, outputName: t.outputName, systemProperties: t.systemProperties, properties: t.properties };
        } catch (e) {
          actual = e instanceof VergeError ? e.code : e;
        }
        expect(actual).toEqual(telemetryReference(topic));
      }),
      RUNS,
    );
  });

  it("percentDecode agrees with decodeURIComponent wherever that succeeds (the SDK's %24 keys included)", () => {
    const escaped = fc.string({ unit: fc.constantFrom('%24', '%2', '%', '$', '.', 'm', 'i', 'd', '%3D', '%C3%A9', '%FF', '4', 'é'), maxLength: 8 });
    fc.assert(
      fc.property(escaped, (text) => {
        let expected: string | undefined;
        try {
          expected = decodeURIComponent(text);
        } catch {
          expected = undefined;
        }
        if (expected !== undefined) expect(percentDecode(text)).toBe(expected);
      }),
      RUNS,
    );
  });

  it('builders → parsers round-trip', () => {
    fc.assert(
      fc.property(goodId, goodId, goodId, rid, props, fc.option(goodId, { nil: undefined }), fc.integer({ min: 0, max: 1e9 }), (d, m, input, r, properties, output, n) => {
        expect(parseInboundTopic(topics.deviceEvents(d, { properties }))).toMatchObject({ kind: 'telemetry', deviceId: d, properties });
        const sys = output === undefined ? {} : { outputName: output };
        const mod = parseInboundTopic(topics.moduleEvents(d, m, { systemProperties: sys, properties }));
        expect(mod).toMatchObject({ kind: 'telemetry', deviceId: d, moduleId: m, properties, ...(output === undefined ? {} : { outputName: output }) });
        expect(parseInboundTopic(topics.twinGet(r))).toEqual({ kind: 'twinGet', rid: r });
        expect(parseInboundTopic(topics.twinReportedPatch(r))).toEqual({ kind: 'twinReportedPatch', rid: r });
        expect(parseInboundTopic(topics.methodResponse(n, r))).toEqual({ kind: 'methodResponse', status: n, rid: r });
        expect(parseOutboundTopic(topics.c2d(d, { properties }))).toEqual({ kind: 'c2d', deviceId: d, systemProperties: {}, properties });
        expect(parseOutboundTopic(topics.moduleInput(d, m, input, { properties }))).toMatchObject({ kind: 'moduleInput', deviceId: d, moduleId: m, inputName: input, properties });
        expect(parseOutboundTopic(topics.twinResponse(200 + (n % 400), r, n))).toEqual({ kind: 'twinResponse', status: 200 + (n % 400), rid: r, version: n });
        expect(parseOutboundTopic(topics.twinDesiredPatch(n))).toEqual({ kind: 'twinDesiredPatch', version: n });
        expect(parseSubscription(topics.sub.c2d(d))).toEqual({ kind: 'c2d', deviceId: d });
        expect(parseSubscription(topics.sub.moduleInputs(d, m))).toEqual({ kind: 'moduleInputs', deviceId: d, moduleId: m });
      }),
      { numRuns: fuzzRuns(20_000) },
    );
  });
});

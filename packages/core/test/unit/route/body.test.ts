import { describe, expect, it } from 'vitest';
import { evaluate, message } from './helpers.js';

// Body and properties of edgeHub's BodyQueryTest (reference §3.3, `$body.<path>`).
const weather = {
  message: {
    Weather: {
      Temperature: 50, FreezingTemperature: -50.4, PreciseTemperature: 50.4, Temperature_PropertyConflict: 50, NullValue: null,
      Time: '2017-03-09T00:00:00.000Z', PrevTemperatures: [20, 30, 40], IsEnabled: true, IsDisabled: false,
      Location: { Street: 'One Microsoft Way', City: 'Redmond', State: 'WA' },
      HistoricalData: [{ Month: 'Feb', Temperature: 40 }, { Month: 'Jan', Temperature: 30 }],
    },
  },
};
const msg = message({
  body: JSON.stringify(weather),
  properties: { City: 'Redmond', $State: 'WA', '$body.message.Weather.Temperature_PropertyConflict': '100', IntegerProperty: '110' },
  systemProperties: { State: 'CA', '$body.message.Weather.Location.State': 'CA', contentEncoding: 'UTF-8', contentType: 'application/json' },
});

type Row = readonly [string, boolean | undefined];
const W = '$body.message.Weather';

const numbers: Row[] = [
  [`50 >= ${W}.Temperature`, true], ['$BODY.message.Weather.Temperature >= 50', true], ['$bODy.message.Weather.Temperature <= 50', true],
  [`${W}.Temperature = 50`, true], [`${W}.Temperature != 60`, true], [`${W}.Temperature <> 500`, true], [`${W}.Temperature = 40 + 10`, true],
  [`${W}.Temperature >= ${W}.PrevTemperatures[0]`, true], [`${W}.Temperature >= ${W}.PrevTemperatures[0] + ${W}.PrevTemperatures[1]`, true],
  [`${W}.PrevTemperatures[0] + ${W}.PrevTemperatures[1]= 50`, true], [`${W}.PrevTemperatures[1] * ${W}.PrevTemperatures[2] = 1200`, true],
  [`${W}.PrevTemperatures[1] / ${W}.PrevTemperatures[0] = 1.5`, true],
  [`${W}.HistoricalData[0].Temperature - 10 = ${W}.HistoricalData[1].Temperature`, true], [`${W}.HistoricalData[0].Month = 'Feb'`, true],
  [`10 >= ${W}.Temperature`, false], [`${W}.Temperature < 50`, false], [`${W}.Temperature = '50'`, false], [`${W}.Temperature != 50`, false],
  [`${W}.Temperature = 60`, false], [`${W}.Temperature <> 40 + 10`, false], [`${W}.Temperature <= ${W}.PrevTemperatures[0]`, false],
  [`${W}.PrevTemperatures[0] * ${W}.PrevTemperatures[1] = 610`, false], [`${W}.PrevTemperatures[1] / ${W}.PrevTemperatures[0] = 3/3`, false],
  [`${W}.HistoricalData[0].Temperature + 10 = ${W}.HistoricalData[1].Temperature`, false],
  [`${W}.PrevTemperatures[3] = null`, true], [`${W}.PrevTemperatures[1] % 7 = 2`, true], [`- ${W}.Temperature = -50`, true],
];

const strings: Row[] = [
  [`${W}.Temperature <> '100'`, true], [`${W}.Location.City = City`, true], [`${W}.Location.State = $State`, true],
  [`${W}.Location.State <> ${W}.Location.City`, true], [`${W}.Temperature ='100'`, false], [`${W}.Temperature ='150'`, false],
  [`${W}.Location.City != City`, false], [`${W}.Location.State != $State`, false], [`${W}.Location.State = City`, false],
  [`${W}.Location.State = ${W}.Location.City`, false], [`${W}.Time = '2017-03-09T00:00:00.000Z'`, true],
  // Values of different types order by type: bool < number < string < null.
  [`${W}.Location.City > 5`, true], [`${W}.IsEnabled < 5`, true], [`${W}.NullValue > 'x'`, true],
];

const bools: Row[] = [
  [`${W}.IsEnabled`, true], [`${W}.IsEnabled = true`, true], [`${W}.IsDisabled = false`, true], [`${W}.IsDisabled <> true`, true],
  [`NOT ${W}.IsDisabled`, true], [`${W}.InvalidKey <> '100'`, true], [`${W}.IsEnabled AND ${W}.IsEnabled`, true],
  [`${W}.IsEnabled OR ${W}.IsDisabled`, true], [`${W}.IsDisabled OR NOT(${W}.IsDisabled)`, true], [`${W}.IsEnabled AND true`, true],
  [`false AND ${W}.InvalidKey`, undefined], [`${W}.IsEnabled AND 5`, undefined], [`NOT ${W}.Temperature`, undefined],
];

const undefinedOrNull: Row[] = [
  ['$body', undefined], [`${W}.HistoricalData[0].Temperature.InvalidKey`, undefined], [`$City <> ${W}.InvalidKey`, undefined],
  [`${W} <> null`, undefined], [`${W}.PrevTemperatures = null`, undefined],
  [`${W}.NullValue = null`, true], ['$body.message.Temperature = null', true], [`${W}.Temperature != null`, true],
  [`${W}.Location.State <> null`, true], [`${W}.InvalidProperty = null`, true], [`NOT (${W}.InvalidProperty != null)`, true],
  [`${W}.NullValue`, undefined], [`(${W}.Missing ?? 'x') = null`, true], [`(${W}.Location ?? 'x') = 'x'`, true],
];

const conflicts: Row[] = [
  [`${W}.Temperature_PropertyConflict = '100'`, true], [`as_number(${W}.Temperature_PropertyConflict) = 100`, true],
  [`{${W}.Temperature_PropertyConflict} <> 100`, true], [`{${W}.Temperature_PropertyConflict} = 50`, true],
  [`${W}.Location.State = 'WA'`, true], [`{${W}.Location.State} <> 'CA'`, true],
];

const builtins: Row[] = [
  [`abs(${W}.FreezingTemperature) = 50.4`, true], [`ceiling(as_number(${W}.PreciseTemperature)) = 51`, true],
  [`concat(${W}.Location.Street, ', ', ${W}.Location.City, ', ', ${W}.Location.State) = 'One Microsoft Way, Redmond, WA'`, true],
  [`contains(${W}.Location.Street, 'Microsoft')`, true], [`ends_with(${W}.Location.Street, 'Way')`, true],
  [`exp((${W}.Temperature - 49)) < (${W}.Temperature - 47)`, true], [`index_of(${W}.Location.Street, 'Way') > 6`, true],
  [`is_defined(${W}.Location.Street)`, true], [`is_null(${W}.NullValue)`, true], [`is_string(${W}.Location.Street)`, true],
  [`length(${W}.Location.State) = 2`, true], [`lower(${W}.Location.State) = 'wa'`, true], [`power(${W}.Temperature, 2) = 2500.0`, true],
  [`power(${W}.Temperature, length(${W}.Location.State)) = square(${W}.Temperature)`, true], [`sign(${W}.FreezingTemperature) = -1`, true],
  [`square(${W}.Temperature) = 2500`, true], [`starts_with(${W}.Location.Street, 'One')`, true],
  [`substring(${W}.Location.Street, length(${W}.Location.Street) - 3) = 'Way'`, true],
  [`substring(${W}.Location.Street, 4, length('Microsoft')) = 'Microsoft'`, true], [`upper(${W}.Location.Street) = 'ONE MICROSOFT WAY'`, true],
];

describe('$body queries', () => {
  describe.each([
    ['numbers', numbers], ['strings', strings], ['booleans and logic', bools], ['undefined and null', undefinedOrNull],
    ['conflicts with properties', conflicts], ['built-ins', builtins],
  ] as const)('%s', (_group, rows) => {
    it.each(rows)('%s → %s', (condition, expected) => {
      expect(evaluate(condition, msg)).toBe(expected);
    });
  });

  it('reads non-ASCII property names (edgeHub BodyQueryI18NTest)', () => {
    const i18n = message({
      body: JSON.stringify({ 'Welcome!': { he: 'ברוכים הבאים!', es: 'Bienvenido!' }, "I'mnotusingspaces%1": { es: 'Estoy usando %1' } }),
      systemProperties: { contentEncoding: 'UTF-8', contentType: 'application/json' },
    });
    expect(evaluate("$body.Welcome!.he = 'ברוכים הבאים!'", i18n)).toBe(true);
    expect(evaluate("$body.I'mnotusingspaces%1.es = 'Estoy usando %1'", i18n)).toBe(true);
    expect(evaluate("$body.Welcome!.I'mnotusingspaces%1.es = 'Estoy usando %1'", i18n)).toBe(false);
  });
});

function encode(text: string, encoding: 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be', bom: boolean): Uint8Array {
  const cps = [...(bom ? '\uFEFF' : ''), ...text].map((c) => c.codePointAt(0) as number);
  const out: number[] = [];
  for (const cp of cps) {
    if (encoding.startsWith('utf-32')) {
      const bytes = [cp & 0xff, (cp >> 8) & 0xff, (cp >> 16) & 0xff, 0];
      out.push(...(encoding === 'utf-32be' ? bytes.reverse() : bytes));
    } else {
      const units = cp < 0x10000 ? [cp] : [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)];
      for (const u of units) out.push(...(encoding === 'utf-16be' ? [u >> 8, u & 0xff] : [u & 0xff, u >> 8]));
    }
  }
  return Uint8Array.from(out);
}

describe('body decoding (contentType application/json, contentEncoding utf-8/16/32)', () => {
  const text = '{"t":"h\u00e9llo \ud83d\ude00","n":1}';
  const condition = "$body.t = 'h\u00e9llo \ud83d\ude00' AND $body.n = 1";
  const withBody = (body: Uint8Array, contentEncoding: string, contentType = 'application/json') =>
    message({ body, systemProperties: { contentType, contentEncoding } });

  it.each([
    ['utf-8', new TextEncoder().encode(text)],
    ['UTF-8', Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)])],
    ['utf-16', encode(text, 'utf-16le', false)],
    ['Utf-16', encode(text, 'utf-16le', true)],
    ['utf-16', encode(text, 'utf-16be', true)],
    ['utf-32', encode(text, 'utf-32le', false)],
    ['UTF-32', encode(text, 'utf-32le', true)],
    ['utf-32', encode(text, 'utf-32be', true)],
  ])('decodes %s (%#)', (contentEncoding, body) => {
    expect(evaluate(condition, withBody(body, contentEncoding))).toBe(true);
  });

  it.each([
    ['utf8 is not a supported name', withBody(new TextEncoder().encode(text), 'utf8')],
    ['ascii is not supported', withBody(new TextEncoder().encode(text), 'ascii')],
    ['content type with parameters', withBody(new TextEncoder().encode(text), 'utf-8', 'application/json; charset=utf-8')],
    ['text/plain', withBody(new TextEncoder().encode(text), 'utf-8', 'text/plain')],
    ['no contentType', message({ body: text, systemProperties: { contentEncoding: 'utf-8' } })],
    ['no contentEncoding', message({ body: text, systemProperties: { contentType: 'application/json' } })],
    ['invalid JSON', withBody(new TextEncoder().encode('{"t":'), 'utf-8')],
    ['a JSON array', withBody(new TextEncoder().encode('[1]'), 'utf-8')],
    ['a JSON string', withBody(new TextEncoder().encode('"x"'), 'utf-8')],
    ['UTF-16BE without a byte-order mark (read as little-endian)', withBody(encode(text, 'utf-16be', false), 'utf-16')],
  ])('gives undefined, never null, when the body cannot be queried: %s', (_case, msg2) => {
    expect(evaluate('$body.n = 1', msg2)).toBeUndefined();
    expect(evaluate('$body.missing = null', msg2)).toBeUndefined();
    expect(evaluate('is_defined($body.n)', msg2)).toBe(false);
  });

  it('accepts the content type in any case', () => {
    expect(evaluate('$body.n = 1', withBody(new TextEncoder().encode(text), 'utf-8', 'Application/JSON'))).toBe(true);
  });

  it('replaces malformed byte sequences instead of failing', () => {
    const bad = Uint8Array.from([...new TextEncoder().encode('{"t":"'), 0xff, 0xc3, ...new TextEncoder().encode('","n":1}')]);
    expect(evaluate("$body.t = '\ufffd\ufffd'", withBody(bad, 'utf-8'))).toBe(true);
    expect(evaluate('$body.n = 1', withBody(Uint8Array.from([...encode('{"n":1}', 'utf-16le', false), 0x20]), 'utf-16'))).toBe(undefined);
  });

  it('ignores prototype keys in the body and in property bags', () => {
    const proto = withBody(new TextEncoder().encode('{"__proto__":{"x":1},"a":{}}'), 'utf-8');
    expect(evaluate('$body.a.constructor = null', proto)).toBe(true);
    expect(evaluate('$body.a.toString = null', proto)).toBe(true);
    expect(evaluate('is_defined(constructor)', message())).toBe(false);
    expect(evaluate('is_defined($toString)', message())).toBe(false);
  });
});

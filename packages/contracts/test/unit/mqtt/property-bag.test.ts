import { describe, expect, it } from 'vitest';
import { vergeErrorOf } from '@verge/testkit';
import { decodePropertyBag, encodePropertyBag, percentDecode, tokenizePropertyBag } from '@verge/contracts';

describe('decodePropertyBag', () => {
  it.each([
    {
      name: 'observed device telemetry bag (azure-sdk-protocol.md §4)',
      bag: '%24.mid=mid-X&%24.cid=cid-X&%24.ct=application%2Fjson&%24.ce=utf-8&harness-prop=v1&needs%20encoding=a%26b%3Dc%2Fd',
      system: { messageId: 'mid-X', cid: 'cid-X', contentType: 'application/json', contentEncoding: 'utf-8' },
      props: { 'harness-prop': 'v1', 'needs encoding': 'a&b=c/d' },
    },
    {
      name: 'observed module output bag with trailing /',
      bag: '%24.on=out1&%24.mid=out-X&harness-prop=v2/',
      system: { outputName: 'out1', messageId: 'out-X' },
      props: { 'harness-prop': 'v2' },
    },
    { name: 'empty bag', bag: '', system: {}, props: {} },
    { name: 'only a trailing /', bag: '/', system: {}, props: {} },
    { name: 'literal $ wire keys', bag: '$.mid=1&$.cid=2&$.uid=u&$.to=t', system: { messageId: '1', cid: '2', userId: 'u', to: 't' }, props: {} },
    {
      name: 'every wire key of reference §5.4',
      bag: '$.exp=2030-01-01T00%3A00%3A00Z&$.ct=text%2Fplain&$.ce=utf-8&$.on=o&$.schema=s&$.ctime=c&$.ifid=i&$.sub=comp&iothub-operation=op&$.cdid=d&$.cmid=m',
      system: {
        'absolute-expiry-time': '2030-01-01T00:00:00Z',
        contentType: 'text/plain',
        contentEncoding: 'utf-8',
        outputName: 'o',
        messageSchema: 's',
        creationTime: 'c',
        'iothub-interface-id': 'i',
        'dt-subject': 'comp',
        'iothub-operation': 'op',
        connectionDeviceId: 'd',
        connectionModuleId: 'm',
      },
      props: {},
    },
    { name: '+ is not a space', bag: 'a=1+1&b%2Bc=x', system: {}, props: { a: '1+1', 'b+c': 'x' } },
    { name: 'key without = is empty (EH: null)', bag: 'flag&k=v', system: {}, props: { flag: '', k: 'v' } },
    { name: 'key with empty value', bag: 'k=&j=1', system: {}, props: { k: '', j: '1' } },
    { name: 'later duplicate wins (EH)', bag: 'k=1&k=2&$.mid=a&%24.mid=b', system: { messageId: 'b' }, props: { k: '2' } },
    { name: 'literal ? is stripped', bag: '?$rid=1&a?b=c?d', system: {}, props: { $rid: '1', ab: 'cd' } },
    { name: 'encoded ? survives', bag: 'q=%3F', system: {}, props: { q: '?' } },
    { name: 'unknown $ key is an application property', bag: '$.foo=bar', system: {}, props: { '$.foo': 'bar' } },
    { name: 'invalid escapes stay literal (Uri.UnescapeDataString)', bag: 'p=100%&q=%zz&r=%FF%41', system: {}, props: { p: '100%', q: '%zz', r: '%FFA' } },
    { name: 'UTF-8 escapes', bag: 'k=%C3%A9%E2%82%AC', system: {}, props: { k: 'é€' } },
    { name: '__proto__ is an ordinary key', bag: '__proto__=x', system: {}, props: { ['__proto__']: 'x' } },
    {
      name: "Object.prototype's names are application properties, not system ones",
      bag: 'toString=1&constructor=2&hasOwnProperty=3&valueOf=4',
      system: {},
      props: { toString: '1', constructor: '2', hasOwnProperty: '3', valueOf: '4' },
    },
    {
      name: 'every system wire key, plain and as the SDK encodes it (%24.)',
      bag: '%24.mid=a&$.cid=b&%24.uid=c&$.to=d&%24.exp=e&$.ct=f&%24.ce=g&$.schema=h&%24.ctime=i&$.ifid=j&%24.sub=k&iothub-operation=l&%24.on=m',
      system: {
        messageId: 'a', cid: 'b', userId: 'c', to: 'd', 'absolute-expiry-time': 'e', contentType: 'f', contentEncoding: 'g',
        messageSchema: 'h', creationTime: 'i', 'iothub-interface-id': 'j', 'dt-subject': 'k', 'iothub-operation': 'l', outputName: 'm',
      },
      props: {},
    },
    { name: 'a=b&/ (EH finishes at /)', bag: 'a=b&/', system: {}, props: { a: 'b' } },
  ])('$name', ({ bag, system, props }) => {
    const decoded = decodePropertyBag(bag);
    expect(decoded.systemProperties).toEqual(system);
    expect(decoded.properties).toEqual(props);
    expect(Object.getPrototypeOf(decoded.properties)).toBe(Object.prototype);
  });

  it('keeps __proto__ as an own property without touching the prototype', () => {
    const decoded = decodePropertyBag('__proto__=x');
    expect(Object.hasOwn(decoded.properties, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(decoded.properties)).toBe(Object.prototype);
  });

  it.each([
    { bag: 'a=b=c', message: "property bag 'a=b=c': literal '=' at offset 3 inside the value of 'a'; a value must encode '=' as %3D", offset: 3 },
    { bag: '=v', message: "property bag '=v': empty property name at offset 0 ('=' where a name must start)", offset: 0 },
    { bag: 'a=1&&b=2', message: "property bag 'a=1&&b=2': empty property name at offset 4 ('&' where a name must start)", offset: 4 },
    { bag: '&a=1', message: "property bag '&a=1': empty property name at offset 0 ('&' where a name must start)", offset: 0 },
    { bag: 'a=1&', message: "property bag 'a=1&': the property bag ends with '&' at offset 3: empty property name", offset: 3 },
    { bag: 'a=1/b=2', message: "property bag 'a=1/b=2': '/' at offset 3 is not at the end; '/' may only terminate the property bag", offset: 3 },
    { bag: 'a=1&=2', message: "property bag 'a=1&=2': empty property name at offset 4 ('=' where a name must start)", offset: 4 },
    { bag: '%24.mid=x=y', message: "property bag '%24.mid=x=y': literal '=' at offset 9 inside the value of '$.mid'; a value must encode '=' as %3D", offset: 9 },
  ])('rejects $bag', ({ bag, message, offset }) => {
    const e = vergeErrorOf(() => decodePropertyBag(bag));
    expect(e.code).toBe('TOPIC_PROPERTY_BAG_INVALID');
    expect(e.message).toBe(message);
    expect(e.details).toMatchObject({ offset });
  });
});

describe('tokenizePropertyBag', () => {
  it('returns pairs in order with offsets, duplicates included', () => {
    expect(tokenizePropertyBag({ text: 'x/k=1&k=2', start: 2, label: 'x' })).toEqual([
      { key: 'k', value: '1', offset: 2 },
      { key: 'k', value: '2', offset: 6 },
    ]);
  });
});

describe('percentDecode', () => {
  it.each([
    ['', ''],
    ['plain', 'plain'],
    ['a%20b', 'a b'],
    ['a+b', 'a+b'],
    ['%', '%'],
    ['%4', '%4'],
    ['%41%', 'A%'],
    ['%E2%82', '%E2%82'],
    ['%C0%80', '%C0%80'],
    ['%ED%A0%80', '%ED%A0%80'],
    ['%F0%9F%98%80x%zz', '😀x%zz'],
    ['%e2%82%ac', '€'],
  ])('%s → %s', (input, output) => {
    expect(percentDecode(input)).toBe(output);
  });
});

describe('encodePropertyBag', () => {
  it('reproduces the observed SDK telemetry bag (deviceToHub)', () => {
    expect(
      encodePropertyBag(
        {
          systemProperties: { contentEncoding: 'utf-8', contentType: 'application/json', cid: 'cid-X', messageId: 'mid-X' },
          properties: { 'harness-prop': 'v1', 'needs encoding': 'a&b=c/d' },
        },
        { direction: 'deviceToHub' },
      ),
    ).toBe('%24.mid=mid-X&%24.cid=cid-X&%24.ct=application%2Fjson&%24.ce=utf-8&harness-prop=v1&needs%20encoding=a%26b%3Dc%2Fd');
  });

  it('puts $.on first for module outputs (deviceToHub) and drops connection ids', () => {
    expect(
      encodePropertyBag(
        { systemProperties: { messageId: 'out-X', outputName: 'out1', connectionDeviceId: 'd', connectionModuleId: 'm' }, properties: { 'harness-prop': 'v2' } },
        { direction: 'deviceToHub' },
      ),
    ).toBe('%24.on=out1&%24.mid=out-X&harness-prop=v2');
  });

  it('hubToDevice (default) emits $.cdid/$.cmid, drops $.on and unmapped system properties', () => {
    expect(
      encodePropertyBag({
        systemProperties: {
          connectionModuleId: 'modA',
          connectionDeviceId: 'edge1',
          outputName: 'out1',
          enqueuedTime: '2024-01-01T00:00:00Z',
          messageId: 'm1',
          cid: 'c1',
          contentType: 'application/json',
          'dt-subject': 'thermostat1',
        },
        properties: { temp: '21' },
      }),
    ).toBe('%24.mid=m1&%24.cid=c1&%24.ct=application%2Fjson&%24.sub=thermostat1&%24.cdid=edge1&%24.cmid=modA&temp=21');
  });

  it('always writes =, also for empty values (the SDK decodes a missing value as "undefined")', () => {
    expect(encodePropertyBag({ properties: { k: '' } })).toBe('k=');
  });

  it('encodes ? & = / % + and non-ASCII in keys and values', () => {
    const bag = { properties: { 'a?&=/%+é': 'b?&=/%+€' } };
    const encoded = encodePropertyBag(bag);
    expect(encoded).toBe('a%3F%26%3D%2F%25%2B%C3%A9=b%3F%26%3D%2F%25%2B%E2%82%AC');
    expect(decodePropertyBag(encoded).properties).toEqual(bag.properties);
  });

  it('returns an empty string for an empty bag', () => {
    expect(encodePropertyBag()).toBe('');
    expect(encodePropertyBag({ systemProperties: {}, properties: {} })).toBe('');
  });

  it.each([
    { bag: { properties: { '': 'x' } }, message: 'application property name is empty; a property bag cannot carry an empty name' },
    {
      bag: { properties: { '$.mid': 'x' } },
      message: "application property '$.mid' has the wire name of a system property; it would be read back as system property 'messageId'",
    },
    {
      bag: { properties: { 'iothub-operation': 'x' } },
      message: "application property 'iothub-operation' has the wire name of a system property; it would be read back as system property 'iothub-operation'",
    },
    { bag: { properties: { k: '\ud800' } }, message: "the value of application property 'k' contains a lone UTF-16 surrogate and cannot be percent-encoded" },
    { bag: { systemProperties: { messageId: '\udc00' } }, message: "system property 'messageId' contains a lone UTF-16 surrogate and cannot be percent-encoded" },
  ])('rejects $message', ({ bag, message }) => {
    const e = vergeErrorOf(() => encodePropertyBag(bag));
    expect(e.code).toBe('TOPIC_PROPERTY_BAG_INVALID');
    expect(e.message).toBe(message);
  });
});

import { describe, expect, it } from 'vitest';
import { vergeErrorOf } from '@verge/testkit';
import { parseInboundTopic, parseOutboundTopic, parseSubscription, topics } from '@verge/contracts';

describe('topic builders', () => {
  it.each([
    {
      name: 'deviceEvents = observed SDK topic (azure-sdk-protocol.md §4)',
      topic: topics.deviceEvents('harness-dev1', {
        systemProperties: { messageId: 'mid-X', cid: 'cid-X', contentType: 'application/json', contentEncoding: 'utf-8' },
        properties: { 'harness-prop': 'v1', 'needs encoding': 'a&b=c/d' },
      }),
      expected:
        'devices/harness-dev1/messages/events/%24.mid=mid-X&%24.cid=cid-X&%24.ct=application%2Fjson&%24.ce=utf-8&harness-prop=v1&needs%20encoding=a%26b%3Dc%2Fd',
    },
    {
      name: 'moduleEvents with output = observed sendOutputEvent topic (trailing /)',
      topic: topics.moduleEvents('harness-edge1', 'harness-modA', { systemProperties: { outputName: 'out1', messageId: 'out-X' }, properties: { 'harness-prop': 'v2' } }),
      expected: 'devices/harness-edge1/modules/harness-modA/messages/events/%24.on=out1&%24.mid=out-X&harness-prop=v2/',
    },
    { name: 'deviceEvents without bag', topic: topics.deviceEvents('d1'), expected: 'devices/d1/messages/events/' },
    { name: 'moduleEvents without output', topic: topics.moduleEvents('d1', 'm1', { properties: { a: '1' } }), expected: 'devices/d1/modules/m1/messages/events/a=1' },
    { name: 'c2d keeps the / after devicebound', topic: topics.c2d('d1'), expected: 'devices/d1/messages/devicebound/' },
    {
      name: 'c2d with bag',
      topic: topics.c2d('d1', { systemProperties: { messageId: 'm', to: '/devices/d1/messages/deviceBound' }, properties: { 'iothub-ack': 'full' } }),
      expected: 'devices/d1/messages/devicebound/%24.mid=m&%24.to=%2Fdevices%2Fd1%2Fmessages%2FdeviceBound&iothub-ack=full',
    },
    { name: 'moduleInput keeps the / after the input', topic: topics.moduleInput('e1', '$edgeHub', 'in1'), expected: 'devices/e1/modules/$edgeHub/inputs/in1/' },
    {
      name: 'moduleInput with $.cdid/$.cmid',
      topic: topics.moduleInput('e1', 'modB', 'in1', { systemProperties: { connectionDeviceId: 'e1', connectionModuleId: 'modA' }, properties: { k: 'v' } }),
      expected: 'devices/e1/modules/modB/inputs/in1/%24.cdid=e1&%24.cmid=modA&k=v',
    },
    { name: 'raw ids as the SDK sends them', topic: topics.deviceEvents("d.%_*?!(),:=@$'"), expected: "devices/d.%_*?!(),:=@$'/messages/events/" },
    { name: 'twinGet', topic: topics.twinGet('0e8d2c43-1b5a-4c5e-8f2a-1c2d3e4f5a6b'), expected: '$iothub/twin/GET/?$rid=0e8d2c43-1b5a-4c5e-8f2a-1c2d3e4f5a6b' },
    { name: 'twinReportedPatch', topic: topics.twinReportedPatch('r1'), expected: '$iothub/twin/PATCH/properties/reported/?$rid=r1' },
    { name: 'twinResponse 200', topic: topics.twinResponse(200, 'r1'), expected: '$iothub/twin/res/200/?$rid=r1' },
    { name: 'twinResponse 204 with version', topic: topics.twinResponse(204, 'r1', 7), expected: '$iothub/twin/res/204/?$rid=r1&$version=7' },
    { name: 'twinResponse encodes rid', topic: topics.twinResponse(200, 'a b&c'), expected: '$iothub/twin/res/200/?$rid=a%20b%26c' },
    { name: 'twinDesiredPatch', topic: topics.twinDesiredPatch(12), expected: '$iothub/twin/PATCH/properties/desired/?$version=12' },
    { name: 'methodRequest', topic: topics.methodRequest('reboot', '1'), expected: '$iothub/methods/POST/reboot/?$rid=1' },
    { name: 'methodResponse', topic: topics.methodResponse(200, '1'), expected: '$iothub/methods/res/200/?$rid=1' },
    { name: 'methodResponse negative status', topic: topics.methodResponse(-1, '1'), expected: '$iothub/methods/res/-1/?$rid=1' },
    { name: 'sub.twinResponses', topic: topics.sub.twinResponses, expected: '$iothub/twin/res/#' },
    { name: 'sub.twinDesiredPatches', topic: topics.sub.twinDesiredPatches, expected: '$iothub/twin/PATCH/properties/desired/#' },
    { name: 'sub.methodRequests', topic: topics.sub.methodRequests, expected: '$iothub/methods/POST/#' },
    { name: 'sub.c2d', topic: topics.sub.c2d('harness-dev1'), expected: 'devices/harness-dev1/messages/devicebound/#' },
    { name: 'sub.moduleInputs', topic: topics.sub.moduleInputs('harness-edge1', 'harness-modA'), expected: 'devices/harness-edge1/modules/harness-modA/inputs/#' },
  ])('$name', ({ topic, expected }) => {
    expect(topic).toBe(expected);
  });

  it.each([
    { fn: () => topics.deviceEvents(''), message: "deviceId '' is empty; it cannot be a topic level" },
    { fn: () => topics.deviceEvents('a/b'), message: "deviceId 'a/b' contains '/'; it cannot be a topic level" },
    { fn: () => topics.moduleEvents('d', 'm+'), message: "moduleId 'm+' contains an MQTT wildcard ('+' or '#'); it cannot be a topic level" },
    { fn: () => topics.moduleInput('d', 'm', 'in#'), message: "inputName 'in#' contains an MQTT wildcard ('+' or '#'); it cannot be a topic level" },
    { fn: () => topics.c2d('d\u0000'), message: "deviceId 'd\u0000' contains NUL; it cannot be a topic level" },
    { fn: () => topics.methodRequest('a?b', '1'), message: "methodName 'a?b' contains '?'; it cannot be a topic level" },
    { fn: () => topics.methodRequest('a/b', '1'), message: "methodName 'a/b' contains '/'; it cannot be a topic level" },
    { fn: () => topics.twinGet(''), message: "'$rid' (request id) is empty" },
    { fn: () => topics.twinGet('\ud800'), message: "'$rid' (request id) contains a lone UTF-16 surrogate" },
    { fn: () => topics.twinResponse(99, '1'), message: 'status 99 is not an integer >= 100' },
    { fn: () => topics.twinResponse(200.5, '1'), message: 'status 200.5 is not an integer >= 100' },
    { fn: () => topics.twinDesiredPatch(-1), message: '$version -1 is not an integer >= 0' },
    { fn: () => topics.methodResponse(Number.NaN, '1'), message: `status NaN is not an integer >= ${Number.MIN_SAFE_INTEGER}` },
  ])('rejects: $message', ({ fn, message }) => {
    const e = vergeErrorOf(fn);
    expect(e.code).toBe('TOPIC_INVALID');
    expect(e.message).toBe(message);
  });
});

describe('parseInboundTopic', () => {
  it.each([
    {
      topic: 'devices/harness-dev1/messages/events/%24.mid=mid-X&%24.cid=cid-X&%24.ct=application%2Fjson&%24.ce=utf-8&harness-prop=v1&needs%20encoding=a%26b%3Dc%2Fd',
      expected: {
        kind: 'telemetry',
        deviceId: 'harness-dev1',
        systemProperties: { messageId: 'mid-X', cid: 'cid-X', contentType: 'application/json', contentEncoding: 'utf-8', connectionDeviceId: 'harness-dev1' },
        properties: { 'harness-prop': 'v1', 'needs encoding': 'a&b=c/d' },
      },
    },
    {
      topic: 'devices/harness-edge1/modules/harness-modA/messages/events/%24.on=out1&%24.mid=out-X&harness-prop=v2/',
      expected: {
        kind: 'telemetry',
        deviceId: 'harness-edge1',
        moduleId: 'harness-modA',
        outputName: 'out1',
        systemProperties: { outputName: 'out1', messageId: 'out-X', connectionDeviceId: 'harness-edge1', connectionModuleId: 'harness-modA' },
        properties: { 'harness-prop': 'v2' },
      },
    },
    {
      topic: 'devices/d1/messages/events/',
      expected: { kind: 'telemetry', deviceId: 'd1', systemProperties: { connectionDeviceId: 'd1' }, properties: {} },
    },
    {
      topic: 'devices/d1/messages/events',
      expected: { kind: 'telemetry', deviceId: 'd1', systemProperties: { connectionDeviceId: 'd1' }, properties: {} },
    },
    {
      topic: 'devices/d1/messages/events//',
      expected: { kind: 'telemetry', deviceId: 'd1', systemProperties: { connectionDeviceId: 'd1' }, properties: {} },
    },
    {
      topic: 'devices/d1/modules/m1/messages/events/a=1',
      expected: { kind: 'telemetry', deviceId: 'd1', moduleId: 'm1', systemProperties: { connectionDeviceId: 'd1', connectionModuleId: 'm1' }, properties: { a: '1' } },
    },
    {
      name: 'client-supplied connection ids are replaced by the topic',
      topic: 'devices/d1/messages/events/%24.cdid=evil&%24.cmid=evil',
      expected: { kind: 'telemetry', deviceId: 'd1', systemProperties: { connectionDeviceId: 'd1' }, properties: {} },
    },
    {
      name: 'a device cannot name a module output ($.on is for modules only)',
      topic: 'devices/d1/messages/events/%24.on=out&%24.mid=m',
      expected: { kind: 'telemetry', deviceId: 'd1', systemProperties: { messageId: 'm', connectionDeviceId: 'd1' }, properties: {} },
    },
    {
      topic: "devices/d%20.*?!(),:=@$'/messages/events/k=v",
      expected: { kind: 'telemetry', deviceId: "d%20.*?!(),:=@$'", systemProperties: { connectionDeviceId: "d%20.*?!(),:=@$'" }, properties: { k: 'v' } },
    },
    { topic: '$iothub/twin/GET/?$rid=0e8d2c43-1b5a', expected: { kind: 'twinGet', rid: '0e8d2c43-1b5a' } },
    { topic: '$iothub/twin/GET?$rid=1', expected: { kind: 'twinGet', rid: '1' } },
    { topic: '$iothub/twin/GET/?%24rid=a%20b', expected: { kind: 'twinGet', rid: 'a b' } },
    { topic: '$iothub/twin/PATCH/properties/reported/?$rid=r1', expected: { kind: 'twinReportedPatch', rid: 'r1' } },
    { topic: '$iothub/twin/PATCH/properties/reported/?$rid=r1&$version=4', expected: { kind: 'twinReportedPatch', rid: 'r1', version: 4 } },
    { topic: '$iothub/methods/res/200/?$rid=1', expected: { kind: 'methodResponse', status: 200, rid: '1' } },
    { topic: '$iothub/methods/res/-1?$rid=x', expected: { kind: 'methodResponse', status: -1, rid: 'x' } },
    { topic: '$iothub/methods/res/500/?$rid=1&foo=bar', expected: { kind: 'methodResponse', status: 500, rid: '1' } },
  ])('$topic', ({ topic, expected }) => {
    expect(parseInboundTopic(topic)).toEqual(expected);
  });

  const ANY =
    "expected 'devices/{deviceId}/messages/events/[{bag}][/]', 'devices/{deviceId}/modules/{moduleId}/messages/events/[{bag}][/]', " +
    "'$iothub/twin/GET/?$rid=', '$iothub/twin/PATCH/properties/reported/?$rid=' or '$iothub/methods/res/{status}/?$rid='";
  it.each([
    { topic: 'foo/bar', code: 'TOPIC_INVALID', message: `topic 'foo/bar': not a topic an IoT Hub client publishes to; ${ANY}` },
    { topic: '', code: 'TOPIC_INVALID', message: `topic '': not a topic an IoT Hub client publishes to; ${ANY}` },
    { topic: 'devices/d1/messages/devicebound/', code: 'TOPIC_INVALID', message: `topic 'devices/d1/messages/devicebound/': not a telemetry topic; ${ANY}` },
    { topic: 'devices/d1/messages', code: 'TOPIC_INVALID', message: `topic 'devices/d1/messages': not a telemetry topic; ${ANY}` },
    { topic: 'devices/d1/modules/m1/inputs/x/', code: 'TOPIC_INVALID', message: `topic 'devices/d1/modules/m1/inputs/x/': not a telemetry topic; ${ANY}` },
    { topic: 'devices//messages/events/', code: 'TOPIC_INVALID', message: "topic 'devices//messages/events/': deviceId '' is empty" },
    { topic: 'devices/+/messages/events/', code: 'TOPIC_INVALID', message: "topic 'devices/+/messages/events/': deviceId '+' contains an MQTT wildcard ('+' or '#')" },
    { topic: 'devices/d/modules//messages/events', code: 'TOPIC_INVALID', message: "topic 'devices/d/modules//messages/events': moduleId '' is empty" },
    {
      topic: 'devices/d/messages/events/a=1/b=2',
      code: 'TOPIC_PROPERTY_BAG_INVALID',
      message: "topic 'devices/d/messages/events/a=1/b=2': '/' at offset 29 is not at the end; '/' may only terminate the property bag",
    },
    {
      topic: 'devices/d/messages/events/a=1=2',
      code: 'TOPIC_PROPERTY_BAG_INVALID',
      message: "topic 'devices/d/messages/events/a=1=2': literal '=' at offset 29 inside the value of 'a'; a value must encode '=' as %3D",
    },
    { topic: '$iothub/twin/GET/', code: 'TOPIC_INVALID', message: "topic '$iothub/twin/GET/': the query must carry a non-empty '$rid' (request id)" },
    { topic: '$iothub/twin/GET/?$rid=', code: 'TOPIC_INVALID', message: "topic '$iothub/twin/GET/?$rid=': the query must carry a non-empty '$rid' (request id)" },
    { topic: '$iothub/twin/get/?$rid=1', code: 'TOPIC_INVALID', message: `topic '$iothub/twin/get/?$rid=1': not an '$iothub' topic a client publishes to; ${ANY}` },
    {
      topic: '$iothub/twin/PATCH/properties/reported/?$rid=1&$version=x',
      code: 'TOPIC_INVALID',
      message: "topic '$iothub/twin/PATCH/properties/reported/?$rid=1&$version=x': $version 'x' is not an integer >= 0",
    },
    {
      topic: '$iothub/methods/res/ok/?$rid=1',
      code: 'TOPIC_INVALID',
      message: `topic '$iothub/methods/res/ok/?$rid=1': method status 'ok' is not an integer >= ${Number.MIN_SAFE_INTEGER}`,
    },
    {
      topic: '$iothub/methods/res/200.5/?$rid=1',
      code: 'TOPIC_INVALID',
      message: `topic '$iothub/methods/res/200.5/?$rid=1': method status '200.5' is not an integer >= ${Number.MIN_SAFE_INTEGER}`,
    },
    {
      topic: '$iothub/methods/POST/x/?$rid=1',
      code: 'TOPIC_INVALID',
      message: `topic '$iothub/methods/POST/x/?$rid=1': not an '$iothub' topic a client publishes to; ${ANY}`,
    },
    { topic: '$iothub/twin/GET/?&&', code: 'TOPIC_PROPERTY_BAG_INVALID', message: "topic '$iothub/twin/GET/?&&': empty property name at offset 18 ('&' where a name must start)" },
  ])('rejects $topic', ({ topic, code, message }) => {
    const e = vergeErrorOf(() => parseInboundTopic(topic));
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
  });

  it('round-trips the client-side builders', () => {
    expect(parseInboundTopic(topics.twinGet('a/b c'))).toEqual({ kind: 'twinGet', rid: 'a/b c' });
    expect(parseInboundTopic(topics.twinReportedPatch('r&1'))).toEqual({ kind: 'twinReportedPatch', rid: 'r&1' });
    expect(parseInboundTopic(topics.methodResponse(404, 'x=y'))).toEqual({ kind: 'methodResponse', status: 404, rid: 'x=y' });
  });
});

describe('parseOutboundTopic', () => {
  it.each([
    { topic: '$iothub/twin/res/200/?$rid=r1', expected: { kind: 'twinResponse', status: 200, rid: 'r1' } },
    { topic: '$iothub/twin/res/200?$rid=r1', expected: { kind: 'twinResponse', status: 200, rid: 'r1' } },
    { topic: '$iothub/twin/res/204/?$rid=r1&$version=3', expected: { kind: 'twinResponse', status: 204, rid: 'r1', version: 3 } },
    { topic: '$iothub/twin/PATCH/properties/desired/?$version=9', expected: { kind: 'twinDesiredPatch', version: 9 } },
    { topic: '$iothub/methods/POST/reboot/?$rid=5', expected: { kind: 'methodRequest', methodName: 'reboot', rid: '5' } },
    { topic: '$iothub/methods/POST/reboot?$rid=5', expected: { kind: 'methodRequest', methodName: 'reboot', rid: '5' } },
    { topic: 'devices/d1/messages/devicebound/', expected: { kind: 'c2d', deviceId: 'd1', systemProperties: {}, properties: {} } },
    {
      topic: 'devices/d1/messages/devicebound/%24.mid=m&k=v',
      expected: { kind: 'c2d', deviceId: 'd1', systemProperties: { messageId: 'm' }, properties: { k: 'v' } },
    },
    {
      topic: 'devices/e1/modules/m2/inputs/in1/%24.cdid=e1&%24.cmid=m1',
      expected: {
        kind: 'moduleInput',
        deviceId: 'e1',
        moduleId: 'm2',
        inputName: 'in1',
        systemProperties: { connectionDeviceId: 'e1', connectionModuleId: 'm1' },
        properties: {},
      },
    },
  ])('$topic', ({ topic, expected }) => {
    expect(parseOutboundTopic(topic)).toEqual(expected);
  });

  it.each([
    { topic: 'devices/d1/messages/devicebound', message: 'not a topic the hub publishes to a client' },
    { topic: 'devices/e1/modules/m2/inputs/in1', message: 'not a topic the hub publishes to a client' },
    { topic: '$iothub/twin/res/abc/?$rid=1', message: "twin status 'abc' is not an integer >= 0" },
    { topic: '$iothub/methods/POST//?$rid=1', message: "methodName '' is empty" },
    { topic: '$iothub/methods/POST/x/', message: "the query must carry a non-empty '$rid' (request id)" },
    { topic: '$iothub/twin/GET/?$rid=1', message: "not an '$iothub' topic the hub publishes" },
  ])('rejects $topic', ({ topic, message }) => {
    const e = vergeErrorOf(() => parseOutboundTopic(topic));
    expect(e.code).toBe('TOPIC_INVALID');
    expect(e.message).toContain(`topic '${topic}': ${message}`);
  });
});

describe('parseSubscription', () => {
  it.each([
    { filter: '$iothub/twin/res/#', expected: { kind: 'twinResponses' } },
    { filter: '$iothub/twin/PATCH/properties/desired/#', expected: { kind: 'twinDesiredPatches' } },
    { filter: '$iothub/methods/POST/#', expected: { kind: 'methodRequests' } },
    { filter: 'devices/harness-dev1/messages/devicebound/#', expected: { kind: 'c2d', deviceId: 'harness-dev1' } },
    { filter: 'devices/harness-edge1/modules/harness-modA/inputs/#', expected: { kind: 'moduleInputs', deviceId: 'harness-edge1', moduleId: 'harness-modA' } },
    { filter: 'devices/e1/modules/$edgeAgent/#', expected: { kind: 'moduleInputs', deviceId: 'e1', moduleId: '$edgeAgent' } },
  ])('$filter', ({ filter, expected }) => {
    expect(parseSubscription(filter)).toEqual(expected);
  });

  it('returns a fresh object for fixed filters', () => {
    const a = parseSubscription('$iothub/twin/res/#');
    (a as { kind: string }).kind = 'changed';
    expect(parseSubscription('$iothub/twin/res/#')).toEqual({ kind: 'twinResponses' });
  });

  const ANY =
    "expected '$iothub/twin/res/#', '$iothub/twin/PATCH/properties/desired/#', '$iothub/methods/POST/#', " +
    "'devices/{deviceId}/messages/devicebound/#', 'devices/{deviceId}/modules/{moduleId}/inputs/#' or 'devices/{deviceId}/modules/{moduleId}/#'";
  it.each([
    { filter: '#', message: `topic '#': not a subscription filter of the IoT Hub MQTT surface; ${ANY}` },
    { filter: '$iothub/#', message: `topic '$iothub/#': not a subscription filter of the IoT Hub MQTT surface; ${ANY}` },
    { filter: '$iothub/twin/res/+', message: `topic '$iothub/twin/res/+': not a subscription filter of the IoT Hub MQTT surface; ${ANY}` },
    { filter: 'devices/d1/messages/events/#', message: `topic 'devices/d1/messages/events/#': not a subscription filter of the IoT Hub MQTT surface; ${ANY}` },
    { filter: 'devices/d1/#', message: `topic 'devices/d1/#': not a subscription filter of the IoT Hub MQTT surface; ${ANY}` },
    { filter: 'devices/d1/messages/devicebound/+', message: `topic 'devices/d1/messages/devicebound/+': not a subscription filter of the IoT Hub MQTT surface; ${ANY}` },
    { filter: 'devices/+/messages/devicebound/#', message: "topic 'devices/+/messages/devicebound/#': deviceId '+' contains an MQTT wildcard ('+' or '#')" },
    { filter: 'devices/d/modules/+/inputs/#', message: "topic 'devices/d/modules/+/inputs/#': moduleId '+' contains an MQTT wildcard ('+' or '#')" },
    { filter: 'devices//modules/m/#', message: "topic 'devices//modules/m/#': deviceId '' is empty" },
    { filter: 'devices/d/modules/m/outputs/#', message: `topic 'devices/d/modules/m/outputs/#': not a subscription filter of the IoT Hub MQTT surface; ${ANY}` },
  ])('rejects $filter', ({ filter, message }) => {
    const e = vergeErrorOf(() => parseSubscription(filter));
    expect(e.code).toBe('TOPIC_INVALID');
    expect(e.message).toBe(message);
  });
});

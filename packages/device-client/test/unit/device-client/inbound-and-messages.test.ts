import { describe, expect, it } from 'vitest';
import { isVergeError, topics } from '@verge/contracts';
import { eventually } from '@verge/testkit';
import { dispatchInbound, type InboundTargets } from '../../../src/inbound.js';
import { Listeners } from '../../../src/listeners.js';
import { eventPublication, type InputMessage, type ReceivedMessage } from '../../../src/messages.js';
import { readReportedVersion, readTwinDocument } from '../../../src/twin-answers.js';
import { TwinRequests, type TwinAnswer } from '../../../src/twin-requests.js';
import { Outbox } from '../../../src/outbox.js';
import type { MethodHandler } from '../../../src/types.js';

function targets(overrides: { moduleId?: string; handler?: MethodHandler } = {}) {
  const responses: [string, string][] = [];
  const errors: Error[] = [];
  const t: InboundTargets & { responses: typeof responses; errors: typeof errors } = {
    deviceId: 'edge1',
    moduleId: overrides.moduleId,
    requests: new TwinRequests(1000),
    desired: new Listeners<[Record<string, unknown>, number | undefined]>(),
    c2d: new Listeners<[ReceivedMessage], void | Promise<void>>(),
    inputs: new Listeners<[InputMessage], void | Promise<void>>(),
    methodHandler: () => overrides.handler,
    respond: (topic, payload) => void responses.push([topic, payload]),
    error: (e) => void errors.push(e),
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined },
    responses,
    errors,
  };
  return t;
}


describe('eventPublication (azure-sdk-protocol.md §4)', () => {
  const device = { deviceId: 'dev1', moduleId: undefined, maxMessageBytes: 8 };
  const module = { deviceId: 'edge1', moduleId: 'modA', maxMessageBytes: 1024 };
  it('builds device and module topics with the property bag', () => {
    expect(eventPublication(device, { body: 'x', systemProperties: { messageId: 'm1', contentType: 'application/json' }, properties: { 'a b': 'c&d' } }).topic).toBe(
      'devices/dev1/messages/events/%24.mid=m1&%24.ct=application%2Fjson&a%20b=c%26d',
    );
    expect(eventPublication(module, { body: 'x', outputName: 'out1', systemProperties: { messageId: 'X' } }).topic).toBe('devices/edge1/modules/modA/messages/events/%24.on=out1&%24.mid=X/');
    expect(eventPublication(module, { body: new Uint8Array([1, 2, 3]) }).payload).toEqual(Buffer.from([1, 2, 3]));
  });
  it('refuses, as too large, properties that make a topic over MQTT\'s 65,535 bytes', () => {
    expect(eventPublication(module, { body: 'x', properties: { k: 'v'.repeat(60_000) } }).topic).toHaveLength(60_045);
    expect(() => eventPublication(module, { body: 'x', properties: { k: ','.repeat(30_000) } })).toThrow(
      expect.objectContaining({ code: 'SDK_MESSAGE_TOO_LARGE', message: 'message properties make a topic of 90045 bytes; MQTT allows at most 65535' }),
    );
  });
  it('never sends the connection ids', () => {
    expect(eventPublication(module, { body: '', systemProperties: { connectionDeviceId: 'x', connectionModuleId: 'y' } }).topic).toBe('devices/edge1/modules/modA/messages/events/');
  });
  it('builds the topic of frozen records once per client, and unfrozen records every time (issue 8)', () => {
    const client = { ...module };
    const systemProperties = Object.freeze({ messageId: 'same', connectionDeviceId: 'edge1' });
    const properties = Object.freeze({ k: 'v' });
    const first = eventPublication(client, { body: 'a', systemProperties, properties }).topic;
    expect(first).toBe('devices/edge1/modules/modA/messages/events/%24.mid=same&k=v');
    expect(eventPublication(client, { body: 'b', systemProperties, properties }).topic).toBe(first);
    expect(eventPublication({ ...device, maxMessageBytes: 64 }, { body: 'b', systemProperties, properties }).topic).toBe('devices/dev1/messages/events/%24.mid=same&k=v');
    expect(eventPublication(client, { body: 'c', systemProperties, properties, outputName: 'o' }).topic).toBe('devices/edge1/modules/modA/messages/events/%24.on=o&%24.mid=same&k=v/');
    const open: Record<string, string> = { k: 'v' };
    expect(eventPublication(client, { body: 'd', systemProperties, properties: open }).topic).toBe(first);
    open['k'] = 'w';
    expect(eventPublication(client, { body: 'e', systemProperties, properties: open }).topic).toBe('devices/edge1/modules/modA/messages/events/%24.mid=same&k=w');
  });
  it('refuses oversize bodies and outputs of devices', () => {
    expect(() => eventPublication(device, { body: '123456789' })).toThrow(expect.objectContaining({ code: 'SDK_MESSAGE_TOO_LARGE', message: 'message body is 9 bytes; at most 8 are accepted' }));
    expect(() => eventPublication(device, { body: '', outputName: 'o' })).toThrow(expect.objectContaining({ code: 'SDK_OPERATION_UNSUPPORTED', message: "outputName 'o': only a module sends to an output" }));
    expect(() => eventPublication(device, { body: '', systemProperties: { outputName: 'o' } })).toThrow(expect.objectContaining({ code: 'SDK_OPERATION_UNSUPPORTED' }));
  });
});

describe('twin answers', () => {
  const answer = (status: number, body: string, version?: number): TwinAnswer => ({ status, body: Buffer.from(body), ...(version === undefined ? {} : { version }) });
  it('reads a GET body', () => {
    expect(readTwinDocument(answer(200, '{"desired":{"$version":2},"reported":{"$version":5}}'))).toEqual({ desired: { $version: 2 }, reported: { $version: 5 } });
  });
  it.each([
    [answer(200, ''), 'SDK_RESPONSE_INVALID', 'twin GET: the response is not {"desired":{…},"reported":{…}}'],
    [answer(200, 'not json'), 'SDK_RESPONSE_INVALID', 'twin GET: the response body is not JSON'],
    [answer(200, '{"desired":{}}'), 'SDK_RESPONSE_INVALID', 'twin GET: the response is not {"desired":{…},"reported":{…}}'],
    [answer(404, '{"errorCode":404001,"message":"no twin"}'), 'SDK_TWIN_REQUEST_FAILED', 'twin GET failed with status 404: no twin'],
    [answer(200, '{"errorCode":1,"message":"odd"}'), 'SDK_TWIN_REQUEST_FAILED', 'twin GET failed with status 200: odd'],
    [answer(429, 'throttled'), 'SDK_RESPONSE_INVALID', 'twin GET: the response body is not JSON'],
    [answer(500, ''), 'SDK_TWIN_REQUEST_FAILED', 'twin GET failed with status 500'],
  ])('rejects %#', (a, code, message) => {
    let caught: unknown;
    try {
      readTwinDocument(a);
    } catch (e) {
      caught = e;
    }
    expect(isVergeError(caught)).toBe(true);
    expect(caught).toMatchObject({ code, message });
  });
  it('reads the reported version', () => {
    expect(readReportedVersion(answer(204, '', 7))).toBe(7);
    expect(readReportedVersion(answer(204, ''))).toBeUndefined();
    expect(() => readReportedVersion(answer(400, '{"message":"too deep"}'))).toThrow('reported-properties patch failed with status 400: too deep');
  });
});

describe('dispatchInbound', () => {
  it('answers twin requests by rid, ignoring unknown rids', async () => {
    const t = targets();
    const { request, answer } = t.requests.create((rid) => topics.twinGet(rid), ' ', 'twin GET');
    dispatchInbound(t, topics.twinResponse(200, 'someone-else'), Buffer.from('{}'));
    dispatchInbound(t, topics.twinResponse(204, request.rid, 9), Buffer.alloc(0));
    await expect(answer).resolves.toEqual({ status: 204, version: 9, body: Buffer.alloc(0) });
    expect(t.requests.size).toBe(0);
  });

  it('delivers desired patches with the topic version, else the body version', () => {
    const t = targets();
    const seen: [unknown, number | undefined][] = [];
    t.desired.add((p, v) => void seen.push([p, v]));
    dispatchInbound(t, topics.twinDesiredPatch(4), Buffer.from('{"a":1,"$version":4}'));
    dispatchInbound(t, '$iothub/twin/PATCH/properties/desired/', Buffer.from('{"b":2,"$version":5}'));
    dispatchInbound(t, topics.twinDesiredPatch(6), Buffer.from('[1]'));
    expect(seen).toEqual([
      [{ a: 1, $version: 4 }, 4],
      [{ b: 2, $version: 5 }, 5],
    ]);
    expect(t.errors.map((e) => e.message)).toEqual(['desired-property patch is not a JSON object']);
  });

  it('answers methods with the handler, 500 when it throws, 501 without one', async () => {
    const ok = targets({ handler: (r) => ({ status: 200, payload: { name: r.methodName, got: r.payload } }) });
    dispatchInbound(ok, topics.methodRequest('echo', 'r1'), Buffer.from('{"x":1}'));
    dispatchInbound(ok, topics.methodRequest('echo', 'r2'), Buffer.from('plain'));
    dispatchInbound(ok, topics.methodRequest('echo', 'r3'), Buffer.alloc(0));
    await eventually(() => ok.responses.length === 3, { description: 'three method responses' });
    expect(ok.responses).toEqual([
      ['$iothub/methods/res/200/?$rid=r1', '{"name":"echo","got":{"x":1}}'],
      ['$iothub/methods/res/200/?$rid=r2', '{"name":"echo","got":"plain"}'],
      ['$iothub/methods/res/200/?$rid=r3', '{"name":"echo","got":null}'],
    ]);
    const throwing = targets({ handler: async () => Promise.reject(new Error('boom')) });
    dispatchInbound(throwing, topics.methodRequest('m', 'r4'), Buffer.alloc(0));
    const none = targets();
    dispatchInbound(none, topics.methodRequest('m', 'r5'), Buffer.alloc(0));
    const bigint = targets({ handler: () => ({ status: 200, payload: { n: 1n } }) });
    dispatchInbound(bigint, topics.methodRequest('m', 'r6'), Buffer.alloc(0));
    await eventually(() => [throwing, none, bigint].every((t) => t.responses.length === 1), { description: 'one response from each client' });
    expect(throwing.responses).toEqual([['$iothub/methods/res/500/?$rid=r4', '{"message":"boom"}']]);
    expect(none.responses).toEqual([['$iothub/methods/res/501/?$rid=r5', '{"message":"method \'m\' is not implemented"}']]);
    expect(bigint.responses[0]?.[0]).toBe('$iothub/methods/res/500/?$rid=r6');
  });

  it('delivers C2D and input messages and settles when every listener did', async () => {
    const device = targets();
    const got: ReceivedMessage[] = [];
    device.c2d.add(async (m) => void got.push(m));
    await dispatchInbound(device, topics.c2d('edge1', { systemProperties: { messageId: 'm1' }, properties: { k: 'v' } }), Buffer.from('hi'));
    expect(got).toEqual([{ body: Buffer.from('hi'), properties: { k: 'v' }, systemProperties: { messageId: 'm1' } }]);
    const module = targets({ moduleId: 'filter' });
    const inputs: InputMessage[] = [];
    module.inputs.add((m) => void inputs.push(m));
    await dispatchInbound(module, topics.moduleInput('edge1', 'filter', 'in1', { systemProperties: { connectionModuleId: 'src' } }), Buffer.from('x'));
    expect(inputs[0]).toMatchObject({ inputName: 'in1', systemProperties: { connectionModuleId: 'src' } });
  });

  it('reports topics for other identities and garbage as errors', () => {
    const t = targets({ moduleId: 'filter' });
    dispatchInbound(t, topics.moduleInput('edge1', 'other', 'in1'), Buffer.alloc(0));
    dispatchInbound(t, topics.c2d('dev9'), Buffer.alloc(0));
    dispatchInbound(t, 'garbage/topic', Buffer.alloc(0));
    expect(t.errors.map((e) => e.message)).toEqual([
      "input message for 'edge1/other' received by 'edge1/filter'",
      "C2D message for device 'dev9' received by 'edge1'",
      expect.stringContaining("'garbage/topic'"),
    ]);
  });
});

describe('Outbox and TwinRequests', () => {
  it('keeps events in order, requeues in-flight ones, times out and aborts', async () => {
    const outbox = new Outbox();
    const a = outbox.add('t', Buffer.from('a'));
    const b = outbox.add('t', Buffer.from('b'), { timeoutMs: 10 });
    const controller = new AbortController();
    const c = outbox.add('t', Buffer.from('c'), { signal: controller.signal });
    const unsent = (): string[] => outbox.takeUnsent().map((e) => e.payload.toString());
    expect(unsent()).toEqual(['a', 'b', 'c']);
    expect(unsent()).toEqual([]); // taken once: published on the current connection
    outbox.requeueAll();
    expect(unsent()).toEqual(['a', 'b', 'c']);
    controller.abort();
    await expect(c.acknowledged).rejects.toMatchObject({ code: 'SDK_REQUEST_ABORTED' });
    await expect(b.acknowledged).rejects.toMatchObject({ code: 'SDK_REQUEST_TIMEOUT', message: "event to 't' was not acknowledged within 10 ms" });
    outbox.acknowledge(a.entry.id);
    await expect(a.acknowledged).resolves.toBeUndefined();
    expect(outbox.size).toBe(0);
  });

  it('settles events added together one by one, with one abort for the rest, and never hands out settled ones', async () => {
    const outbox = new Outbox();
    const controller = new AbortController();
    const { entries, settled } = outbox.addAll(['a', 'b', 'c'].map((p) => ({ topic: 't', payload: Buffer.from(p) })), { signal: controller.signal });
    expect(outbox.takeUnsent().map((e) => e.id)).toEqual(entries.map((e) => e.id));
    entries[0]?.acknowledged();
    outbox.requeueAll(); // a connection ended: the two unacknowledged go again, in order
    controller.abort();
    expect(outbox.takeUnsent()).toEqual([]);
    const results = await settled;
    expect(results[0]).toBeUndefined();
    expect(results.slice(1)).toMatchObject([{ code: 'SDK_REQUEST_ABORTED' }, { code: 'SDK_REQUEST_ABORTED' }]);
    expect(outbox.size).toBe(0);
  });

  it('times out twin requests and re-sends unanswered ones on a new connection', async () => {
    const requests = new TwinRequests(20);
    const one = requests.create((rid) => topics.twinGet(rid), ' ', 'twin GET');
    const two = requests.create((rid) => topics.twinGet(rid), ' ', 'twin GET', { timeoutMs: 5_000 });
    one.request.sent = true;
    two.request.sent = true;
    expect(requests.unsent()).toEqual([]);
    requests.markAllUnsent();
    expect(requests.unsent().map((r) => r.rid)).toEqual([one.request.rid, two.request.rid]);
    await expect(one.answer).rejects.toMatchObject({ code: 'SDK_REQUEST_TIMEOUT', message: 'twin GET: no response within 20 ms' });
    requests.failAll(new Error('closed'));
    await expect(two.answer).rejects.toThrow('closed');
  });
});

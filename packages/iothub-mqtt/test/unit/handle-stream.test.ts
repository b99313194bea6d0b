import { describe, expect, it } from 'vitest';
import { VergeError, topics } from '@verge/contracts';
import { ConnackCode, clientIdOf, type IngestResult, type Session, type TwinAnswer } from '../../src/index.js';
import { connectStream, connected, isType, publishOn, recordingBackend, startServer } from './memory-stream.js';

// The server driven through `handle(stream, meta)` with an in-memory pair of PassThrough streams: no socket, no TLS.

describe('IotHubMqttServer.handle (in-memory stream)', () => {
  it('connects, subscribes and publishes over a stream, with the backend told of each step', async () => {
    const sessions: string[] = [];
    const { backend, ingested } = recordingBackend({ connected: (s, present) => sessions.push(`${s.clientId} present=${String(present)}`) });
    const server = startServer(backend);
    const client = await connected(server);
    expect(sessions).toEqual(['d1 present=false']);
    expect(server.stats()).toMatchObject({ connected: 1, sockets: 1 });

    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$iothub/twin/res/#', qos: 0 }, { topic: 'devices/d1/messages/devicebound/#', qos: 1 }, { topic: 'devices/other/messages/devicebound/#', qos: 1 }] });
    expect((await client.next(isType('suback'), 'SUBACK')).granted).toEqual([0, 1, 0x80]);

    client.send({ cmd: 'publish', topic: 'devices/d1/messages/events/color=red', payload: Buffer.from('hello'), qos: 1, messageId: 7, dup: false, retain: false });
    expect((await client.next(isType('puback'), 'PUBACK')).messageId).toBe(7);
    expect(ingested).toHaveLength(1);
    expect(ingested[0]?.identity).toEqual({ deviceId: 'd1' });
    expect(Buffer.from(ingested[0]?.message.body ?? []).toString()).toBe('hello');
    expect(ingested[0]?.message.properties).toEqual({ color: 'red' });

    client.send({ cmd: 'pingreq' });
    await client.next(isType('pingresp'), 'PINGRESP');
  });

  it('sends a QoS 1 PUBACK only once the backend settled the message, in arrival order', async () => {
    const pending: ((r: IngestResult) => void)[] = [];
    const { backend } = recordingBackend({ ingest: () => new Promise<IngestResult>((resolve) => pending.push(resolve)) });
    const server = startServer(backend);
    const client = await connected(server);
    for (const id of [1, 2]) client.send({ cmd: 'publish', topic: 'devices/d1/messages/events/', payload: Buffer.from('x'), qos: 1, messageId: id, dup: false, retain: false });
    client.send({ cmd: 'pingreq' });
    await client.next(isType('pingresp'), 'PINGRESP'); // both publishes were read
    expect(pending).toHaveLength(2);
    pending[1]?.();
    client.send({ cmd: 'pingreq' });
    await client.next(isType('pingresp'), 'PINGRESP');
    expect(client.received.filter((p) => p.cmd === 'puback')).toEqual([]); // 2 waits for 1
    pending[0]?.();
    expect((await client.next(isType('puback'), 'PUBACK 1')).messageId).toBe(1);
    expect((await client.next(isType('puback'), 'PUBACK 2')).messageId).toBe(2);
  });

  it('refuses a message the backend refuses: no PUBACK, and the stream closes', async () => {
    const { backend } = recordingBackend({ ingest: () => ({ refused: 'store full' }) });
    const server = startServer(backend);
    const client = await connected(server);
    client.send({ cmd: 'publish', topic: 'devices/d1/messages/events/', payload: Buffer.from('x'), qos: 1, messageId: 3, dup: false, retain: false });
    await client.untilClosed();
    expect(client.received.filter((p) => p.cmd === 'puback')).toEqual([]);
  });

  it('answers twin GET and reported PATCH on the request id, and a failed request with its status', async () => {
    let fail = false;
    const { backend } = recordingBackend({
      twinGet: () => {
        if (fail) throw new VergeError('TWIN_PATCH_INVALID', 'no twin here');
        return { status: 200, body: '{"desired":{"$version":1},"reported":{"$version":1}}' };
      },
    });
    const server = startServer(backend);
    const client = await connected(server);
    client.send({ cmd: 'publish', topic: topics.twinGet('r1'), payload: Buffer.alloc(0), qos: 0, dup: false, retain: false });
    const get = await client.next(publishOn('$iothub/twin/res/'), 'the GET answer');
    expect(get.topic).toBe('$iothub/twin/res/200/?$rid=r1');
    expect(JSON.parse(get.payload.toString())).toEqual({ desired: { $version: 1 }, reported: { $version: 1 } });

    client.send({ cmd: 'publish', topic: topics.twinReportedPatch('r2'), payload: Buffer.from('{"a":1}'), qos: 1, messageId: 9, dup: false, retain: false });
    expect((await client.next(publishOn('$iothub/twin/res/'), 'the PATCH answer')).topic).toBe('$iothub/twin/res/204/?$rid=r2&$version=3');
    expect((await client.next(isType('puback'), 'PUBACK')).messageId).toBe(9);

    fail = true;
    client.send({ cmd: 'publish', topic: topics.twinGet('r3'), payload: Buffer.alloc(0), qos: 0, dup: false, retain: false });
    const error = await client.next(publishOn('$iothub/twin/res/'), 'the error answer');
    expect(error.topic).toBe('$iothub/twin/res/400/?$rid=r3');
    expect(JSON.parse(error.payload.toString())).toMatchObject({ errorCode: 'TWIN_PATCH_INVALID', message: 'no twin here' });
  });

  it('closes only the client whose message the backend failed on, without PUBACK', async () => {
    const { backend } = recordingBackend({
      ingest: (identity) => {
        if (identity.deviceId === 'bad') throw new Error('disk on fire');
      },
    });
    const server = startServer(backend);
    const bad = await connected(server, 'bad');
    const good = await connected(server, 'good');
    bad.send({ cmd: 'publish', topic: 'devices/bad/messages/events/', payload: Buffer.from('x'), qos: 1, messageId: 1, dup: false, retain: false });
    await bad.untilClosed();
    expect(bad.received.filter((p) => p.cmd === 'puback')).toEqual([]);
    good.send({ cmd: 'publish', topic: 'devices/good/messages/events/', payload: Buffer.from('x'), qos: 1, messageId: 2, dup: false, retain: false });
    expect((await good.next(isType('puback'), 'PUBACK')).messageId).toBe(2);
  });

  it('hands method answers to the backend and answers a twin request the backend answers later', async () => {
    const answers: string[] = [];
    let answerTwin: (a: TwinAnswer) => void = () => undefined;
    const { backend } = recordingBackend({
      methodResponse: (identity, rid, status, payload) => {
        answers.push(`${clientIdOf(identity)} ${rid} ${status} ${payload.toString()}`);
        return true;
      },
      twinGet: () => new Promise<TwinAnswer>((resolve) => (answerTwin = resolve)),
    });
    const server = startServer(backend);
    const client = await connected(server);
    client.send({ cmd: 'publish', topic: '$iothub/methods/res/200/?$rid=42', payload: Buffer.from('{"ok":true}'), qos: 1, messageId: 5, dup: false, retain: false });
    expect((await client.next(isType('puback'), 'PUBACK')).messageId).toBe(5);
    expect(answers).toEqual(['d1 42 200 {"ok":true}']);

    client.send({ cmd: 'publish', topic: topics.twinGet('slow'), payload: Buffer.alloc(0), qos: 1, messageId: 6, dup: false, retain: false });
    // The PUBACK does not wait for the answer (a cloud round trip must not hold up later publishes).
    expect((await client.next(isType('puback'), 'PUBACK')).messageId).toBe(6);
    answerTwin({ status: 200, body: '{"desired":{},"reported":{}}' });
    expect((await client.next(publishOn('$iothub/twin/res/'), 'the late answer')).topic).toBe('$iothub/twin/res/200/?$rid=slow');
  });

  it('holds a desired patch made while a twin GET is open until the GET is answered, so the answer cannot undo it', async () => {
    let session: Session | undefined;
    let answerTwin: (a: TwinAnswer) => void = () => undefined;
    const { backend } = recordingBackend({
      connected: (s) => void (session = s),
      twinGet: () => new Promise<TwinAnswer>((resolve) => (answerTwin = resolve)),
    });
    const server = startServer(backend);
    const client = await connected(server);
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$iothub/twin/res/#', qos: 0 }, { topic: '$iothub/twin/PATCH/properties/desired/#', qos: 0 }] });
    await client.next(isType('suback'), 'SUBACK');
    const patch = (version: number) => session?.connection?.publishDesiredPatch({ a: version }, version);

    // Without a GET open, a patch goes out at once.
    patch(2);
    expect((await client.next(publishOn('$iothub/twin/PATCH/'), 'patch 2')).topic).toBe('$iothub/twin/PATCH/properties/desired/?$version=2');

    // The backend read version 2 for this GET; patch 3 is made before the answer is written.
    client.send({ cmd: 'publish', topic: topics.twinGet('g1'), payload: Buffer.alloc(0), qos: 0, dup: false, retain: false });
    client.send({ cmd: 'pingreq' });
    await client.next(isType('pingresp'), 'PINGRESP'); // the GET was read
    patch(3);
    client.send({ cmd: 'pingreq' });
    await client.next(isType('pingresp'), 'PINGRESP');
    expect(client.received.filter(publishOn('$iothub/twin/PATCH/'))).toEqual([]); // patch 3 waits
    answerTwin({ status: 200, body: '{"desired":{"a":2,"$version":2},"reported":{"$version":1}}' });
    client.send({ cmd: 'pingreq' });
    await client.next(isType('pingresp'), 'PINGRESP'); // written after the answer and the patch behind it
    expect(client.received.filter(publishOn('$iothub/twin/')).map((p) => p.topic)).toEqual(['$iothub/twin/res/200/?$rid=g1', '$iothub/twin/PATCH/properties/desired/?$version=3']);
  });

  it('tells the backend when a stream closes, and frees its slot', async () => {
    const gone: string[] = [];
    const { backend } = recordingBackend({ disconnected: (session) => gone.push(session.clientId) });
    const server = startServer(backend);
    const client = await connected(server);
    client.send({ cmd: 'disconnect' });
    await client.untilClosed();
    expect(gone).toEqual(['d1']);
    expect(server.stats()).toMatchObject({ connected: 0, sockets: 0 });
  });

  it('tells the backend of a delivery the client acknowledged (C2D, module inputs)', async () => {
    const { backend, delivered } = recordingBackend();
    const server = startServer(backend);
    const client = await connected(server);
    const conn = server.sessions.connectionOf(clientIdOf({ deviceId: 'd1' }));
    const packetId = conn?.publish1(topics.c2d('d1', { systemProperties: {}, properties: {} }), Buffer.from('down'), 'c2d-1');
    const publish = await client.next(publishOn('devices/d1/messages/devicebound/'), 'the C2D publish');
    expect(publish.messageId).toBe(packetId);
    client.send({ cmd: 'puback', messageId: publish.messageId ?? 0 });
    client.send({ cmd: 'pingreq' });
    await client.next(isType('pingresp'), 'PINGRESP');
    expect(delivered).toEqual(['c2d-1']);
  });

  it('refuses a bad CONNECT with its CONNACK code and closes the stream', async () => {
    const server = startServer(recordingBackend().backend);
    const client = connectStream(server);
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'd1', clean: true, keepalive: 60, username: 'hub/d1/?api-version=2021-04-12', password: Buffer.from('wrong') });
    expect((await client.next(isType('connack'), 'CONNACK')).returnCode).toBe(ConnackCode.badCredentials);
    await client.untilClosed();
  });

  it('applies per-address admission to streams: beyond the pending limit a stream is destroyed at once', async () => {
    const server = startServer(recordingBackend().backend, { maxPendingHandshakesPerAddress: 1 });
    const waiting = connectStream(server, { transport: 'ws', remoteAddress: '127.0.0.5' });
    const refused = connectStream(server, { transport: 'ws', remoteAddress: '127.0.0.5' });
    await refused.untilClosed();
    expect(waiting.closed).toBe(false);
    expect(server.stats().pendingHandshakes).toBe(1);
    await server.stop();
    await waiting.untilClosed();
    const late = connectStream(server, { transport: 'ws', remoteAddress: '127.0.0.6' });
    await late.untilClosed(); // a stopped server takes no stream
  });
});

import { describe, expect, it } from 'vitest';
import type { QueueEntry } from '@verge/contracts';
import { SessionRegistry, type MqttConnection } from '@verge/iothub-mqtt';
import { AckTracker } from '../../../src/hub/delivery/ack-tracker.js';
import { moduleInputsPrefix, parseModuleInputEndpoint } from '../../../src/hub/delivery/module-input-endpoint.js';
import { createModuleInputSender } from '../../../src/hub/delivery/module-input-sender.js';

describe('parseModuleInputEndpoint', () => {
  it.each([
    ['/modules/m1/inputs/in1', { moduleId: 'm1', input: 'in1' }],
    ['/modules/$edgeAgent/inputs/x', { moduleId: '$edgeAgent', input: 'x' }],
    ['$upstream', undefined],
    ['/modules//inputs/x', undefined],
    ['/modules/m/inputs/', undefined],
    ['/modules/m/inputs/a/b', undefined],
    ['/modules/a/b/inputs/c', undefined],
  ])('%s', (id, expected) => {
    expect(parseModuleInputEndpoint(id)).toEqual(expected);
  });

  it('gives the prefix of all inputs of a module', () => {
    expect(moduleInputsPrefix('m1')).toBe('/modules/m1/inputs/');
  });
});

/** A connection that records QoS 1 publishes (the test acknowledges them) and QoS 0 ones. */
function fakeConnection() {
  const sent: { topic: string; payload: Buffer; tag: string }[] = [];
  const sent0: { topic: string; payload: Buffer }[] = [];
  let closeListener: (() => void) | undefined;
  let packetId = 0;
  const conn = {
    isOpen: true,
    publish1: (topic: string, payload: Buffer, tag: string) => {
      sent.push({ topic, payload, tag });
      return ++packetId;
    },
    publish0: (topic: string, payload: Buffer) => sent0.push({ topic, payload }) > 0,
    onClose: (l: () => void) => (closeListener = l),
  } as unknown as MqttConnection;
  return { conn, sent, sent0, close: () => closeListener?.() };
}

const entry = (offset: number, body: string): QueueEntry => ({
  offset,
  edgeMessageId: `e${offset}`,
  enqueuedAtMs: 0,
  ttlSecs: 60,
  message: { body: Buffer.from(body), properties: { k: 'v' }, systemProperties: { connectionDeviceId: 'edge1', connectionModuleId: 'modA', outputName: 'out1', messageId: 'mid' } },
});

describe('module input sender', () => {
  function setup(subscribed: boolean, window?: number, qos: 0 | 1 = 1) {
    const sessions = new SessionRegistry(undefined);
    const acks = new AckTracker();
    const { conn, sent, sent0, close } = fakeConnection();
    const { session } = sessions.open('edge1/modB', { deviceId: 'edge1', moduleId: 'modB' }, false);
    session.connection = conn;
    if (subscribed) sessions.subscribe(session, { filter: 'devices/edge1/modules/modB/inputs/#', parsed: { kind: 'moduleInputs', deviceId: 'edge1', moduleId: 'modB' }, qos });
    const sender = createModuleInputSender({ moduleId: 'modB', input: 'in1' }, { edgeDeviceId: 'edge1', sessions, acks, ...(window === undefined ? {} : { window }) });
    return { sender, sent, sent0, acks, close };
  }

  it('publishes with QoS 0 to a module whose inputs subscription was granted QoS 0, each delivered once written', async () => {
    const { sender, sent, sent0 } = setup(true, 2, 0);
    const r = await sender.send([entry(0, 'a'), entry(1, 'b'), entry(2, 'c')], new AbortController().signal);
    expect(r.outcomes.map((o) => o.kind)).toEqual(['ok', 'ok', 'ok']);
    expect(sent).toEqual([]); // nothing with QoS 1: a QoS 0 subscriber never PUBACKs
    expect(sent0.map((p) => p.payload.toString())).toEqual(['a', 'b', 'c']);
  });

  it('publishes on the input topic with $.cdid/$.cmid and a / after the input name, and waits for the PUBACK', async () => {
    const { sender, sent, acks } = setup(true);
    const result = sender.send([entry(0, 'hello')], new AbortController().signal);
    await Promise.resolve();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.topic).toBe('devices/edge1/modules/modB/inputs/in1/%24.mid=mid&%24.cdid=edge1&%24.cmid=modA&k=v');
    expect(sent[0]?.payload.toString()).toBe('hello');
    acks.acked(sent[0]?.tag ?? '');
    await expect(result).resolves.toEqual({ outcomes: [{ kind: 'ok' }] });
  });

  it('is retryable while the module is not subscribed to its inputs', async () => {
    const { sender, sent } = setup(false);
    const r = await sender.send([entry(0, 'a'), entry(1, 'b')], new AbortController().signal);
    expect(r.outcomes.map((o) => o.kind)).toEqual(['retryable', 'retryable']);
    expect(sent).toHaveLength(0);
  });

  it('is retryable when the module disconnects or the pump gives up waiting, and keeps order', async () => {
    const { sender, close } = setup(true);
    const closed = sender.send([entry(0, 'a'), entry(1, 'b')], new AbortController().signal);
    await Promise.resolve();
    close();
    expect((await closed).outcomes.map((o) => o.kind)).toEqual(['retryable', 'retryable']);
    const { sender: s2 } = setup(true);
    const abort = new AbortController();
    const aborted = s2.send([entry(0, 'a')], abort.signal);
    abort.abort();
    expect((await aborted).outcomes[0]).toMatchObject({ kind: 'retryable', reason: "module 'edge1/modB' did not acknowledge the message in time" });
  });

  it('keeps one sliding window across calls: each PUBACK lets the next message go, batch boundaries included', async () => {
    const { sender, sent, acks } = setup(true, 4);
    const body = (i: number): string => sent[i]!.payload.toString();
    const first = sender.send([entry(0, 'a0'), entry(1, 'a1'), entry(2, 'a2')], new AbortController().signal);
    const second = sender.send([entry(3, 'b0'), entry(4, 'b1'), entry(5, 'b2'), entry(6, 'b3')], new AbortController().signal);
    await Promise.resolve();
    expect(sent.map((_, i) => body(i))).toEqual(['a0', 'a1', 'a2', 'b0']); // never more than the window in flight
    for (let acked = 0; acked < 7; acked++) {
      expect(acks.size).toBeLessThanOrEqual(4);
      acks.acked(sent[acked]!.tag); // in order, each PUBACK releases the next publish at once
      if (acked + 4 < 7) expect(sent).toHaveLength(acked + 5);
    }
    expect(sent.map((_, i) => body(i))).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'b3']);
    expect((await first).outcomes.map((o) => o.kind)).toEqual(['ok', 'ok', 'ok']);
    expect((await second).outcomes.map((o) => o.kind)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('reuses the topic of the same frozen records, and builds it again for other or unfrozen ones (issue 8)', async () => {
    const { sender, sent, acks } = setup(true);
    const systemProperties = Object.freeze({ connectionDeviceId: 'edge1', connectionModuleId: 'modA' });
    const frozen = Object.freeze({ k: 'v' });
    const open: Record<string, string> = { k: 'v' };
    const at = (offset: number, properties: Readonly<Record<string, string>>): QueueEntry => ({ ...entry(offset, 'x'), message: { body: Buffer.from('x'), properties, systemProperties } });
    const done = sender.send([at(0, frozen), at(1, frozen), at(2, Object.freeze({ k: 'w' })), at(3, open)], new AbortController().signal);
    await Promise.resolve();
    open['k'] = 'changed'; // after the send was prepared: the topic already built stays
    const later = sender.send([at(4, open), at(5, frozen)], new AbortController().signal);
    await Promise.resolve();
    const prefix = 'devices/edge1/modules/modB/inputs/in1/%24.cdid=edge1&%24.cmid=modA&';
    expect(sent.map((p) => p.topic.slice(prefix.length))).toEqual(['k=v', 'k=v', 'k=w', 'k=v', 'k=changed', 'k=v']);
    for (const p of sent) acks.acked(p.tag);
    expect((await done).outcomes).toHaveLength(4);
    expect((await later).outcomes).toHaveLength(2);
    // Two senders interleaved in the queue: each keeps its own topic.
    const other = Object.freeze({ connectionDeviceId: 'edge1', connectionModuleId: 'modC' });
    const mixed = [at(6, frozen), { ...at(7, frozen), message: { body: Buffer.from('x'), properties: frozen, systemProperties: other } }, at(8, frozen)];
    const third = sender.send(mixed, new AbortController().signal);
    await Promise.resolve();
    expect(sent.slice(6).map((p) => p.topic.split('%24.cmid=')[1])).toEqual(['modA&k=v', 'modC&k=v', 'modA&k=v']);
    for (const p of sent.slice(6)) acks.acked(p.tag);
    expect((await third).outcomes).toHaveLength(3);
  });

  it('refuses permanently a message whose properties cannot be put in a topic', async () => {
    const { sender } = setup(true);
    const bad: QueueEntry = { ...entry(0, 'x'), message: { body: Buffer.from('x'), properties: { '$.mid': 'clash' }, systemProperties: {} } };
    const r = await sender.send([bad], new AbortController().signal);
    expect(r.outcomes[0]?.kind).toBe('permanent');
  });
});

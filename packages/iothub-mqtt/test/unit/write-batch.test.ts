import { PassThrough, type Duplex } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { defaultIotHubMqttLimits, MqttConnection } from '@verge/iothub-mqtt';
import { createLogger } from '@verge/platform';
import { WriteBatch } from '../../src/write-batch.js';

// Issue 8: what a connection sends in one tick goes to the socket as one write, in order.

/** A socket that records each write (copied) and whether it was corked. */
function recordingSocket() {
  const writes: Buffer[] = [];
  let corks = 0;
  const socket = {
    destroyed: false,
    writableLength: 0,
    write: (chunk: Buffer) => writes.push(Buffer.from(chunk)),
    cork: () => (corks += 1),
    uncork: () => undefined,
    end: () => writes.push(Buffer.from('END')),
    destroy: () => undefined,
  };
  return { socket: socket as unknown as Duplex & { destroyed: boolean }, writes, corks: () => corks };
}

const tickEnd = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));
const log = createLogger({ service: 'test', level: 'silent' });
const meta = { transport: 'memory', remoteAddress: '127.0.0.1' } as const;

/** Every packet mqtt-packet's parser reads from `bytes`. */
function packetsIn(bytes: Buffer): mqttPacket.Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const out: mqttPacket.Packet[] = [];
  parser.on('packet', (p: mqttPacket.Packet) => out.push(p));
  parser.parse(bytes);
  return out;
}

describe('WriteBatch', () => {
  it('writes the frames and PUBACKs of one tick as one buffer, in the order they were queued', async () => {
    const { socket, writes } = recordingSocket();
    const batch = new WriteBatch(socket);
    batch.addPuback(1);
    batch.add(mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }));
    batch.addPuback(0x1234);
    expect(batch.pendingBytes).toBe(4 + 6 + 4);
    expect(writes).toHaveLength(0);
    await tickEnd();
    expect(writes).toHaveLength(1);
    expect(packetsIn(writes[0] as Buffer).map((p) => (p.cmd === 'publish' ? `publish ${p.topic}` : `${p.cmd} ${String(p.messageId)}`))).toEqual([
      'puback 1',
      'publish t',
      `puback ${0x1234}`,
    ]);
    expect(batch.pendingBytes).toBe(0);
  });

  it('writes a lone PUBACK as its own frame, and a large batch corked without joining it', async () => {
    const { socket, writes, corks } = recordingSocket();
    const batch = new WriteBatch(socket);
    batch.addPuback(7);
    await tickEnd();
    expect([...(writes[0] as Buffer)]).toEqual([0x40, 2, 0, 7]);
    const big = mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(70_000), qos: 0, dup: false, retain: false });
    batch.add(big);
    batch.addPuback(8);
    await tickEnd();
    expect(corks()).toBe(1);
    expect(writes.slice(1).map((w) => w.length)).toEqual([big.length, 4]);
  });

  it('drops what is queued when the socket was destroyed, or its writable side ended, before the tick ended', async () => {
    const { socket, writes } = recordingSocket();
    const batch = new WriteBatch(socket);
    batch.addPuback(1);
    socket.destroyed = true;
    await tickEnd();
    expect(writes).toHaveLength(0);
    expect(batch.pendingBytes).toBe(0);
    const ended = new PassThrough();
    const errors: Error[] = [];
    ended.on('error', (e) => errors.push(e));
    const onEnded = new WriteBatch(ended);
    onEnded.addPuback(2);
    ended.end();
    await tickEnd();
    await tickEnd();
    expect(errors).toEqual([]); // no 'write after end'
  });
});

describe('MqttConnection writes', () => {
  it('sends the PUBACKs of one tick in one write, and flushes them before a graceful close ends the stream', async () => {
    const { socket, writes } = recordingSocket();
    const conn = new MqttConnection(socket, meta, 1, defaultIotHubMqttLimits, log, 0);
    conn.state = 'connected';
    for (let id = 1; id <= 16; id++) conn.puback(id);
    await tickEnd();
    expect(writes).toHaveLength(1);
    expect(packetsIn(writes[0] as Buffer).map((p) => p.messageId)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    conn.puback(17);
    conn.puback(18);
    conn.close('refused', true);
    expect(writes.slice(1).map((w) => (w.toString() === 'END' ? 'END' : packetsIn(w).map((p) => p.messageId).join(',')))).toEqual(['17,18', 'END']);
    conn.puback(19); // closing: nothing more is written
    await tickEnd();
    expect(writes).toHaveLength(3);
  });

  it('counts this tick\'s queued frames against maxWriteBufferBytes', () => {
    const { socket } = recordingSocket();
    const conn = new MqttConnection(socket, meta, 1, { ...defaultIotHubMqttLimits, maxWriteBufferBytes: 100 }, log, 0);
    conn.state = 'connected';
    expect(conn.publish0('t', Buffer.alloc(80))).toBe(true);
    expect(conn.publish0('t', Buffer.alloc(80))).toBe(true); // 85 bytes queued, within the limit when queued
    expect(conn.publish0('t', Buffer.alloc(80))).toBe(false);
    expect(conn.reason).toBe('client does not read: more than 100 bytes queued');
  });

  it('delivers over a real stream what the client parses back, packet ids in order', async () => {
    const toClient = new PassThrough();
    const conn = new MqttConnection(toClient, meta, 1, defaultIotHubMqttLimits, log, 0);
    conn.state = 'connected';
    const ids = [conn.publish1('devices/d/modules/m/inputs/i/', Buffer.from('a'), 'a'), conn.publish1('devices/d/modules/m/inputs/i/', Buffer.from('b'), 'b')];
    await tickEnd();
    const packets = packetsIn(toClient.read() as Buffer) as mqttPacket.IPublishPacket[];
    expect(packets.map((p) => [p.messageId, p.qos, p.payload.toString()])).toEqual([
      [ids[0], 1, 'a'],
      [ids[1], 1, 'b'],
    ]);
  });
});

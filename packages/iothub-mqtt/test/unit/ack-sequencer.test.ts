import { describe, expect, it } from 'vitest';
import type { MqttConnection } from '../../src/index.js';
import { AckSequencer } from '../../src/ack-sequencer.js';

function fakeConn() {
  const log: string[] = [];
  const conn = { puback: (id: number) => log.push(`puback ${id}`), close: (reason: string) => log.push(`close ${reason}`) } as unknown as MqttConnection;
  return { conn, log };
}

describe('AckSequencer', () => {
  it('sends PUBACKs in arrival order whatever order the publishes finish in (MQTT-4.6.0-2)', () => {
    const { conn, log } = fakeConn();
    const s = new AckSequencer(conn);
    const [a, b, c] = [s.reserve(1), s.reserve(2), s.reserve(3)];
    s.ack(c);
    s.ack(b);
    expect(log).toEqual([]);
    s.ack(a);
    expect(log).toEqual(['puback 1', 'puback 2', 'puback 3']);
  });

  it('does not hold later PUBACKs for a skipped publish', () => {
    const { conn, log } = fakeConn();
    const s = new AckSequencer(conn);
    const [a, b] = [s.reserve(1), s.reserve(2)];
    s.ack(b);
    s.skip(a);
    expect(log).toEqual(['puback 2']);
  });

  it('closes after the earlier PUBACKs on a refusal, and refuses what comes later', () => {
    const { conn, log } = fakeConn();
    const s = new AckSequencer(conn);
    const [a, b, c] = [s.reserve(1), s.reserve(2), s.reserve(3)];
    s.close(b, 'store full');
    expect(s.refusing).toBe(true);
    expect(log).toEqual([]);
    s.ack(a);
    s.ack(c);
    expect(log).toEqual(['puback 1', 'close store full']);
  });
});

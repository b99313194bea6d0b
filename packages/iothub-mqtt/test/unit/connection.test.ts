import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defaultIotHubMqttLimits, MqttConnection } from '@verge/iothub-mqtt';
import { createLogger } from '@verge/platform';

function fakeSocket() {
  const calls: string[] = [];
  const socket = {
    destroyed: false,
    writableLength: 0,
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    write: () => calls.push('write'),
    cork: () => undefined,
    uncork: () => undefined,
    end: () => calls.push('end'),
    destroy: () => calls.push('destroy'),
  };
  return { socket: socket as unknown as Duplex, calls };
}

const log = createLogger({ service: 'test', level: 'silent' });
const meta = { transport: 'memory', remoteAddress: '127.0.0.1' } as const;

describe('MqttConnection', () => {
  it('stops reading while the handler holds maxPendingInboundAcks publishes, and resumes below it', () => {
    const { socket, calls } = fakeSocket();
    const conn = new MqttConnection(socket, meta, 1, { ...defaultIotHubMqttLimits, maxPendingInboundAcks: 2 }, log, 0);
    conn.holdInbound();
    expect(calls).toEqual([]);
    conn.holdInbound();
    expect(calls).toEqual(['pause']);
    conn.releaseInbound();
    expect(calls).toEqual(['pause', 'resume']);
    conn.releaseInbound();
    conn.releaseInbound(); // never below zero
    expect(conn.pendingInboundCount).toBe(0);
  });

  it('publishes QoS 1 only while open and below maxInflightToClient, with fresh packet ids', () => {
    const { socket } = fakeSocket();
    const conn = new MqttConnection(socket, meta, 1, { ...defaultIotHubMqttLimits, maxInflightToClient: 2 }, log, 0);
    expect(conn.publish1('t', Buffer.from('x'), 'a')).toBeUndefined(); // not connected yet
    conn.state = 'connected';
    const first = conn.publish1('t', Buffer.from('x'), 'a');
    const second = conn.publish1('t', Buffer.from('x'), 'b');
    expect(first).not.toBe(second);
    expect(conn.publish1('t', Buffer.from('x'), 'c')).toBeUndefined(); // two in flight
    expect([...conn.inflight.values()]).toEqual(['a', 'b']);
  });

  it('runs close listeners once the socket closed, and at once when it already has', () => {
    const { socket } = fakeSocket();
    const conn = new MqttConnection(socket, meta, 1, defaultIotHubMqttLimits, log, 0);
    const heard: string[] = [];
    conn.onClose(() => heard.push('before'));
    conn.markClosed();
    conn.onClose(() => heard.push('after'));
    expect(heard).toEqual(['before', 'after']);
  });
});

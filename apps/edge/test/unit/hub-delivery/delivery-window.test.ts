import { describe, expect, it } from 'vitest';
import type { LocalDeliveryResult } from '../../../src/hub/delivery/ack-tracker.js';
import { deliverWindowed, type WindowItem, type WindowPort } from '../../../src/hub/delivery/delivery-window.js';

/** A port that records publishes in order and lets the test settle them; `capacity` mimics the connection's cap. */
function fakePort(capacity = Number.POSITIVE_INFINITY) {
  const sent: string[] = [];
  const waiting = new Map<string, (r: LocalDeliveryResult) => void>();
  let seq = 0;
  let open = true;
  const port: WindowPort<string> = {
    publish: (item, done) => {
      if (!open) return 'closed';
      if (waiting.size >= capacity) return 'busy';
      const tag = `t${++seq}`;
      sent.push(item);
      waiting.set(tag, done);
      return tag;
    },
    cancel: (tag) => settle(tag, 'aborted'),
  };
  const settle = (tag: string, r: LocalDeliveryResult): void => {
    const done = waiting.get(tag);
    waiting.delete(tag);
    done?.(r);
  };
  return {
    port,
    sent,
    get inFlight() {
      return waiting.size;
    },
    /** Acknowledges the oldest waiting publish. */
    ackOldest: () => settle([...waiting.keys()][0]!, 'acked'),
    close: () => {
      open = false;
      for (const tag of [...waiting.keys()]) settle(tag, 'closed');
    },
  };
}

const items = (n: number): WindowItem<string>[] => Array.from({ length: n }, (_, i) => ({ send: `m${i}` }));

describe('deliverWindowed', () => {
  it('keeps at most `window` publishes unacknowledged, each PUBACK letting the next one go, in order', async () => {
    const p = fakePort();
    let issued = false;
    const done = deliverWindowed(items(10), 4, p.port, new AbortController().signal, () => (issued = true));
    expect(p.sent).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(issued).toBe(false);
    p.ackOldest();
    expect(p.sent).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    for (let i = 0; i < 5; i++) p.ackOldest();
    expect(p.inFlight).toBe(4);
    expect(issued).toBe(true); // all ten published: a later call may publish behind them
    for (let i = 0; i < 4; i++) p.ackOldest();
    expect(await done).toEqual(Array(10).fill('acked'));
    expect(p.sent).toEqual(items(10).map((i) => ('send' in i ? i.send : '')));
  });

  it('waits for room when the connection is full of its own publishes, and fails busy when none are its own', async () => {
    const p = fakePort(2);
    const done = deliverWindowed(items(3), 8, p.port, new AbortController().signal);
    expect(p.sent).toEqual(['m0', 'm1']);
    p.ackOldest();
    expect(p.sent).toEqual(['m0', 'm1', 'm2']);
    p.ackOldest();
    p.ackOldest();
    expect(await done).toEqual(['acked', 'acked', 'acked']);

    const full = fakePort(0);
    expect(await deliverWindowed(items(2), 8, full.port, new AbortController().signal)).toEqual(['busy', 'unsent']);
  });

  it('stops publishing at the first failure and settles only when nothing of it is in flight', async () => {
    const p = fakePort();
    const done = deliverWindowed(items(6), 3, p.port, new AbortController().signal);
    p.ackOldest(); // m0 acked, m3 goes out
    p.close(); // m1, m2, m3 closed
    expect(await done).toEqual(['acked', 'closed', 'closed', 'closed', 'unsent', 'unsent']);
    expect(p.sent).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('cancels every waiting publish when the signal aborts', async () => {
    const p = fakePort();
    const abort = new AbortController();
    let issued = 0;
    const done = deliverWindowed(items(5), 2, p.port, abort.signal, () => (issued += 1));
    p.ackOldest();
    abort.abort();
    expect(await done).toEqual(['acked', 'aborted', 'aborted', 'unsent', 'unsent']);
    expect(p.inFlight).toBe(0);
    expect(issued).toBe(1);
    expect(await deliverWindowed(items(2), 2, p.port, abort.signal)).toEqual(['aborted', 'aborted']);
  });

  it('reports messages refused before sending without holding back the others', async () => {
    const p = fakePort();
    const done = deliverWindowed([{ send: 'a' }, { refused: 'bad topic' }, { send: 'c' }], 4, p.port, new AbortController().signal);
    expect(p.sent).toEqual(['a', 'c']);
    p.ackOldest();
    p.ackOldest();
    expect(await done).toEqual(['acked', { refused: 'bad topic' }, 'acked']);
  });
});

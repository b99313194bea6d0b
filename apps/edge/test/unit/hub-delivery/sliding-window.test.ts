import { describe, expect, it } from 'vitest';
import type { LocalDeliveryResult } from '../../../src/hub/delivery/ack-tracker.js';
import type { WindowItem, WindowPort } from '../../../src/hub/delivery/window-types.js';
import { SlidingWindow } from '../../../src/hub/delivery/sliding-window.js';

/** A connection that records publishes in order and lets the test settle them; `capacity` mimics its own cap. */
function fakeConnection(capacity = Number.POSITIVE_INFINITY) {
  const sent: string[] = [];
  const waiting = new Map<string, { item: string; done: (r: LocalDeliveryResult) => void }>();
  let seq = 0;
  let open = true;
  const settle = (tag: string, r: LocalDeliveryResult): void => {
    const w = waiting.get(tag);
    waiting.delete(tag);
    w?.done(r);
  };
  const port: WindowPort<string> = {
    publish: (item, done) => {
      if (!open) return 'closed';
      if (waiting.size >= capacity) return 'busy';
      const tag = `t${++seq}`;
      sent.push(item);
      waiting.set(tag, { item, done });
      return tag;
    },
    cancel: (tag) => settle(tag, 'aborted'),
  };
  return {
    port,
    sent,
    get inFlight(): string[] {
      return [...waiting.values()].map((w) => w.item);
    },
    /** Acknowledges the oldest waiting publish. */
    ackOldest: () => settle([...waiting.keys()][0]!, 'acked'),
    /** Acknowledges the waiting publish of `item`. */
    ack: (item: string) => settle([...waiting].find(([, w]) => w.item === item)![0], 'acked'),
    close: () => {
      open = false;
      for (const tag of [...waiting.keys()]) settle(tag, 'closed');
    },
  };
}

const items = (prefix: string, n: number): WindowItem<string>[] => Array.from({ length: n }, (_, i) => ({ send: `${prefix}${i}` }));
const names = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
const signal = (): AbortSignal => new AbortController().signal;

describe('SlidingWindow (module input delivery, issue 8)', () => {
  it('lets the next message go on every PUBACK, across calls, in call order, never more than the window in flight', async () => {
    const c = fakeConnection();
    const w = new SlidingWindow<string>(4);
    const a = w.deliver(items('a', 3), c.port, signal());
    const b = w.deliver(items('b', 5), c.port, signal());
    // The window spans the batch boundary: b0 goes out with a0..a2, not after a's PUBACKs.
    expect(c.sent).toEqual(['a0', 'a1', 'a2', 'b0']);
    expect(w.unacknowledged).toBe(4);
    c.ackOldest(); // a0 → b1 at once
    expect(c.sent).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
    expect(c.inFlight).toHaveLength(4);
    c.ackOldest();
    c.ackOldest(); // a done
    expect(await a).toEqual(['acked', 'acked', 'acked']);
    expect(c.inFlight).toEqual(['b0', 'b1', 'b2', 'b3']);
    const d = w.deliver(items('d', 2), c.port, signal());
    expect(c.sent).toEqual([...names('a', 0, 3), ...names('b', 0, 4)]); // full: d waits behind b
    while (c.inFlight.length > 0) {
      expect(w.unacknowledged).toBeLessThanOrEqual(4);
      c.ackOldest();
    }
    expect(await b).toEqual(Array(5).fill('acked'));
    expect(await d).toEqual(['acked', 'acked']);
    expect(c.sent).toEqual([...names('a', 0, 3), ...names('b', 0, 5), ...names('d', 0, 2)]);
    expect(w.unacknowledged).toBe(0);
  });

  it('never reports a message acknowledged before its PUBACK, even when later ones are acknowledged first', async () => {
    const c = fakeConnection();
    const w = new SlidingWindow<string>(8);
    let resolved: unknown;
    const a = w.deliver(items('a', 3), c.port, signal()).then((r) => (resolved = r));
    c.ack('a2');
    c.ack('a1');
    await Promise.resolve();
    expect(resolved).toBeUndefined(); // a0 still waits: the call is not done
    c.ack('a0');
    await a;
    expect(resolved).toEqual(['acked', 'acked', 'acked']);
  });

  it('at a failure stops publishing, cancels what is in flight behind it, fails the calls behind it, and starts afresh after', async () => {
    const c = fakeConnection();
    const w = new SlidingWindow<string>(4);
    const abort = new AbortController();
    const a = w.deliver(items('a', 3), c.port, abort.signal);
    const b = w.deliver(items('b', 4), c.port, signal());
    c.ackOldest(); // a0 acked, b1 goes out
    expect(c.inFlight).toEqual(['a1', 'a2', 'b0', 'b1']);
    abort.abort(); // the pump gave up on a: a1 is the first unacknowledged
    expect(await a).toEqual(['acked', 'aborted', 'aborted']);
    expect(await b).toEqual(['aborted', 'aborted', 'unsent', 'unsent']);
    expect(c.inFlight).toEqual([]);
    expect(c.sent).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']); // b2, b3 never went out ahead of the retry
    // The retry resends from the first unacknowledged message, in order.
    const retry = w.deliver([{ send: 'a1' }, { send: 'a2' }, ...items('b', 4)], c.port, signal());
    expect(c.sent.slice(5)).toEqual(['a1', 'a2', 'b0', 'b1']);
    while (c.inFlight.length > 0) c.ackOldest();
    expect(await retry).toEqual(Array(6).fill('acked'));
    expect(c.sent.slice(5)).toEqual(['a1', 'a2', 'b0', 'b1', 'b2', 'b3']);
  });

  it('reports closed and unsent when the connection closes, and busy only when none of its own are in flight', async () => {
    const c = fakeConnection();
    const w = new SlidingWindow<string>(3);
    const a = w.deliver(items('a', 5), c.port, signal());
    c.ackOldest();
    c.close();
    const results = await a;
    expect(results[0]).toBe('acked');
    expect(results.slice(1, 4).every((r) => r === 'closed' || r === 'aborted')).toBe(true);
    expect(results[4]).toBe('unsent');

    const small = fakeConnection(2); // the connection's own cap is below the window: wait for room
    const w2 = new SlidingWindow<string>(8);
    const b = w2.deliver(items('b', 3), small.port, signal());
    expect(small.sent).toEqual(['b0', 'b1']);
    small.ackOldest();
    expect(small.sent).toEqual(['b0', 'b1', 'b2']);
    small.ackOldest();
    small.ackOldest();
    expect(await b).toEqual(['acked', 'acked', 'acked']);
    expect(await new SlidingWindow<string>(8).deliver(items('x', 2), fakeConnection(0).port, signal())).toEqual(['busy', 'unsent']);
  });

  it('passes refused messages through without holding back the others', async () => {
    const c = fakeConnection();
    const w = new SlidingWindow<string>(1);
    const a = w.deliver([{ send: 'a' }, { refused: 'bad topic' }, { send: 'c' }], c.port, signal());
    expect(c.sent).toEqual(['a']);
    c.ackOldest();
    expect(c.sent).toEqual(['a', 'c']);
    c.ackOldest();
    expect(await a).toEqual(['acked', { refused: 'bad topic' }, 'acked']);
  });
});

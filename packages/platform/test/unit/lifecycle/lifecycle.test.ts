import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLifecycle, createLogger } from '../../../src/index.js';

const log = createLogger({ service: 'test', level: 'silent' });

function source(): EventEmitter & { on: EventEmitter['on'] } {
  return new EventEmitter();
}

describe('createLifecycle', () => {
  it('turns SIGTERM into an aborted signal and runs stop steps in reverse order', async () => {
    const src = source();
    const lc = createLifecycle({ log, source: src });
    const order: string[] = [];
    // The http step finishes only when the test says so: the store step must wait for it, however long it takes.
    let httpStarted: () => void = () => undefined;
    const httpRunning = new Promise<void>((r) => (httpStarted = r));
    let finishHttp: () => void = () => undefined;
    lc.onStop('store', () => void order.push('store'));
    lc.onStop('http', async () => {
      httpStarted();
      await new Promise<void>((r) => (finishHttp = r));
      order.push('http');
    });
    expect(lc.signal.aborted).toBe(false);
    src.emit('SIGTERM');
    expect(lc.signal.aborted).toBe(true);
    expect(lc.signal.reason).toBe('SIGTERM');
    await httpRunning;
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    finishHttp();
    await lc.stopped;
    expect(order).toEqual(['http', 'store']);
    lc.dispose();
    expect(src.listenerCount('SIGTERM')).toBe(0);
  });

  it('runs the steps once however often shutdown is asked for, and calls onForceExit on a second signal', async () => {
    const src = source();
    const forced: string[] = [];
    const lc = createLifecycle({ log, source: src, onForceExit: (s) => forced.push(s) });
    let runs = 0;
    lc.onStop('x', () => void runs++);
    const a = lc.shutdown('test');
    const b = lc.shutdown('again');
    expect(a).toBe(b);
    src.emit('SIGINT');
    await a;
    expect(runs).toBe(1);
    expect(forced).toEqual(['SIGINT']);
    lc.dispose();
  });

  it('keeps going when a step fails or hangs', async () => {
    const lc = createLifecycle({ log, source: source(), stepTimeoutMs: 20 });
    const order: string[] = [];
    lc.onStop('last', () => void order.push('last'));
    lc.onStop('hangs', () => new Promise<void>(() => undefined));
    lc.onStop('throws', () => {
      throw new Error('x');
    });
    await lc.shutdown('test');
    expect(order).toEqual(['last']);
    lc.dispose();
  });
});

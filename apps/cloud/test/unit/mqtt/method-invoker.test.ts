import { afterEach, describe, expect, it, vi } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { MethodInvoker } from '../../../src/mqtt/method-invoker.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('MethodInvoker', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['"text"', 'text'],
    ['', null],
    ['  ', null],
    ['not json', 'not json'],
  ])('passes the answer %j on as %j', async (answer, payload) => {
    const invoker = new MethodInvoker();
    let topic = '';
    const call = invoker.invoke({ deviceId: 'd' }, 'm', { x: 1 }, 1000, (t) => ((topic = t), true));
    const rid = /\$rid=(.+)$/.exec(topic)?.[1] ?? '';
    expect(invoker.complete({ deviceId: 'd' }, rid, 200, Buffer.from(answer))).toBe(true);
    await expect(call).resolves.toEqual({ status: 200, payload });
    expect(invoker.size).toBe(0);
  });

  it('ignores answers from another identity or for unknown request ids', async () => {
    const invoker = new MethodInvoker();
    let topic = '';
    const call = invoker.invoke({ deviceId: 'd', moduleId: 'm' }, 'x', null, 1000, (t) => ((topic = t), true));
    const rid = /\$rid=(.+)$/.exec(topic)?.[1] ?? '';
    expect(invoker.complete({ deviceId: 'd' }, rid, 200, Buffer.from('1'))).toBe(false);
    expect(invoker.complete({ deviceId: 'd', moduleId: 'm' }, 'other', 200, Buffer.from('1'))).toBe(false);
    expect(invoker.complete({ deviceId: 'd', moduleId: 'm' }, rid, 500, Buffer.from('2'))).toBe(true);
    await expect(call).resolves.toEqual({ status: 500, payload: 2 });
  });

  it('times out with CLD_METHOD_TIMEOUT, fails at once when the request cannot be sent, and cancels on shutdown', async () => {
    vi.useFakeTimers();
    const invoker = new MethodInvoker();
    const slow = invoker.invoke({ deviceId: 'd' }, 'slow', null, 5000, () => true);
    vi.advanceTimersByTime(5000);
    const timeout = await slow.catch((e: unknown) => e);
    expect(isVergeError(timeout, 'CLD_METHOD_TIMEOUT')).toBe(true);
    const unsent = await invoker.invoke({ deviceId: 'd' }, 'x', null, 5000, () => false).catch((e: unknown) => e);
    expect((unsent as Error).message).toBe("device 'd' disconnected before method 'x' could be sent");
    const pending = invoker.invoke({ deviceId: 'd' }, 'y', null, 5000, () => true);
    invoker.cancelAll('stopping');
    expect(isVergeError(await pending.catch((e: unknown) => e), 'CLD_DEVICE_NOT_CONNECTED')).toBe(true);
    expect(invoker.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { eventually } from '../../../src/wait/index.js';

describe('eventually', () => {
  it('resolves with the first value that is neither undefined nor false', async () => {
    let calls = 0;
    const value = await eventually(() => (++calls < 3 ? undefined : { calls }), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
    let flips = 0;
    expect(await eventually(() => ++flips >= 2, { intervalMs: 1 })).toBe(true);
  });

  it('treats a thrown error as "not yet" and keeps polling', async () => {
    let calls = 0;
    const value = await eventually(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('not ready');
        return 'ready';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ready');
  });

  it('fails after the timeout naming what it waited for and the last error', async () => {
    const failure = eventually(
      () => {
        throw new Error('the socket is closed');
      },
      { timeoutMs: 30, intervalMs: 5, description: 'the hub to answer' },
    );
    await expect(failure).rejects.toThrow(/timed out after 30 ms waiting for the hub to answer; last error: the socket is closed/);
  });

  it('fails after the timeout with the last result when nothing threw', async () => {
    await expect(eventually(() => false, { timeoutMs: 20, intervalMs: 5, description: 'a flag' })).rejects.toThrow(
      'timed out after 20 ms waiting for a flag; last result: false',
    );
  });
});

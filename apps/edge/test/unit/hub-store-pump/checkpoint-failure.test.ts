import { describe, expect, it, onTestFinished } from 'vitest';
import { VergeError, type MessageStore } from '@verge/contracts';
import { createEndpointPump, upstreamOrdering } from '../../../src/hub/endpoints/index.js';
import { createMemoryMessageStore } from '../../../src/hub/store/index.js';
import { FakeSender } from './fake-sender.js';
import { FakeClock, settle } from '@verge/testkit';

// Issue 7 (full disk): a checkpoint that fails (SQLITE_FULL) used to make the pump read the same batch again and
// resend it after every backoff. A failed checkpoint must only be retried, never cause a resend.
describe('endpoint pump: a failing checkpoint never causes a resend', () => {
  it('retries the checkpoint with backoff and sends each message once', async () => {
    const timers = new FakeClock();
    const inner = createMemoryMessageStore({ nowMs: timers.nowMs });
    let failCheckpoints = 3;
    const store: MessageStore = {
      ...inner,
      append: (m, d) => inner.append(m, d),
      read: (q, f, n) => inner.read(q, f, n),
      queues: (e) => inner.queues(e),
      cleanup: () => inner.cleanup(),
      stats: () => inner.stats(),
      close: () => inner.close(),
      checkpoint: (q, o) => (failCheckpoints-- > 0 ? Promise.reject(new VergeError('HUB_STORE_WRITE_FAILED', 'SQLITE_FULL: database or disk is full')) : inner.checkpoint(q, o)),
    };
    const sender = new FakeSender(timers.nowMs);
    const pump = createEndpointPump({ endpointId: '$upstream', store, sender, ordering: upstreamOrdering, clock: timers, random: () => 0.5 });
    onTestFinished(async () => {
      await pump.stop();
      await inner.close();
    });
    for (let i = 0; i < 5; i++) {
      await inner.append({ body: new TextEncoder().encode(`m${i}`), properties: {}, systemProperties: { connectionDeviceId: 'leaf' } }, [{ endpointId: '$upstream', priority: 0, ttlSecs: -1 }]);
    }
    pump.start();
    await settle();
    for (let i = 0; i < 6 && timers.nextTimerMs() !== undefined && failCheckpoints >= 0; i++) await timers.advance(timers.nextTimerMs()!);
    await settle();
    expect(sender.delivered).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    const [q] = await inner.queues('$upstream');
    expect(q).toMatchObject({ checkpoint: 4, length: 0 });
    expect(pump.status().priorities[0]).toMatchObject({ sent: 5 });
  });
});

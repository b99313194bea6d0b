import { describe, expect, it } from 'vitest';
import { moduleInput, openForTest, readTexts, rejection, textMessage, to, upstream, upstreamPri0, type MessageStoreSubject } from './fixture.js';

/** Restart recovery (persistent stores) and close. */
export function describeLifecycle(make: () => MessageStoreSubject, persistent: boolean): void {
  describe('restart and close', () => {
    it.runIf(persistent)('keeps queues, offsets, checkpoints, TTLs and byte counts across a restart; each queue resumes after its checkpoint', async () => {
      const h = await openForTest(make);
      for (let i = 0; i < 5; i++) await h.store.append(textMessage(`m${i}`, { i: String(i) }), [to(upstream, 60), to(moduleInput)]);
      await h.store.append(textMessage('urgent'), [to(upstreamPri0)]);
      await h.store.checkpoint(upstream, 2);
      await h.store.checkpoint(upstreamPri0, 0);
      const before = await h.store.stats();
      const store = await h.reopen();
      expect(await store.stats()).toEqual(before);
      const [q] = await store.queues('$upstream').then((qs) => qs.filter((x) => x.priority !== 0));
      expect(await readTexts(store, upstream, q!.checkpoint + 1)).toEqual(['m3', 'm4']);
      expect(await readTexts(store, moduleInput)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      expect((await store.read(moduleInput, 4, 1)).entries[0]!.message.properties).toEqual({ i: '4' });
      expect((await store.append(textMessage('m5'), [to(upstream), to(moduleInput)])).offsets.map((o) => o.offset)).toEqual([5, 5]);
      h.clock.advance(61_000);
      expect(await readTexts(store, upstream)).toEqual(['m5']);
    });

    it.runIf(persistent)('close commits the appends already accepted', async () => {
      const h = await openForTest(make);
      const pending = Array.from({ length: 20 }, (_, i) => h.store.append(textMessage(`m${i}`), [to(upstream)]));
      const store = await h.reopen();
      await Promise.all(pending);
      expect(await readTexts(store, upstream)).toHaveLength(20);
    });

    it('refuses every operation after close with HUB_STORE_CLOSED; closing twice is fine', async () => {
      const { store } = await openForTest(make);
      await store.append(textMessage('x'), [to(upstream)]);
      await store.close();
      await store.close();
      const e = await rejection(store.append(textMessage('y'), [to(upstream)]));
      expect(e.code).toBe('HUB_STORE_CLOSED');
      expect(e.message).toBe('message store is closed: cannot append');
      expect((await rejection(store.read(upstream, 0, 1))).code).toBe('HUB_STORE_CLOSED');
      expect((await rejection(store.checkpoint(upstream, 0))).code).toBe('HUB_STORE_CLOSED');
      expect((await rejection(store.stats())).code).toBe('HUB_STORE_CLOSED');
      expect((await rejection(store.cleanup())).code).toBe('HUB_STORE_CLOSED');
      expect((await rejection(store.queues())).code).toBe('HUB_STORE_CLOSED');
    });
  });
}

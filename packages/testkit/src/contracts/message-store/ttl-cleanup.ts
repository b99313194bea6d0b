import { messageSizeBytes } from '@verge/contracts';
import { describe, expect, it } from 'vitest';
import { moduleInput, openForTest, readTexts, textMessage, to, upstream, upstreamPri0, type MessageStoreSubject } from './fixture.js';

/** TTL from enqueue time on the store's clock, skipping on read, physical removal by cleanup. */
export function describeTtlAndCleanup(make: () => MessageStoreSubject): void {
  describe('TTL and cleanup', () => {
    it('expires an entry strictly after enqueue time + TTL, skips it on read and lists it', async () => {
      const { store, clock } = await openForTest(make);
      const a = await store.append(textMessage('short'), [to(upstream, 10)]);
      await store.append(textMessage('long'), [to(upstream, 3600)]);
      clock.advance(10_000);
      expect(await readTexts(store, upstream)).toEqual(['short', 'long']);
      clock.advance(1);
      const r = await store.read(upstream, 0, 10);
      expect(r.entries.map((e) => e.offset)).toEqual([1]);
      expect(r.expired).toEqual([{ offset: 0, edgeMessageId: a.edgeMessageId }]);
      expect(r.nextOffset).toBe(2);
    });

    it('never expires a negative TTL', async () => {
      const { store, clock } = await openForTest(make);
      await store.append(textMessage('forever'), [to(upstream, -1)]);
      clock.advance(10 * 365 * 86_400_000);
      expect(await readTexts(store, upstream)).toEqual(['forever']);
      expect((await store.cleanup()).expired).toEqual([]);
    });

    it('keeps each delivery\'s own TTL: one copy can expire in one queue and live in another', async () => {
      const { store, clock } = await openForTest(make);
      await store.append(textMessage('m'), [to(upstream, 1), to(moduleInput, 100)]);
      clock.advance(1_001);
      expect(await readTexts(store, upstream)).toEqual([]);
      expect(await readTexts(store, moduleInput)).toEqual(['m']);
    });

    it('reads a run of expired entries as none, and a checkpoint at nextOffset - 1 retires them', async () => {
      const { store, clock } = await openForTest(make);
      for (let i = 0; i < 5; i++) await store.append(textMessage(`old${i}`), [to(upstream, 1)]);
      clock.advance(2_000);
      const r = await store.read(upstream, 0, 3);
      expect(r.entries).toEqual([]);
      expect(r.expired.map((e) => e.offset)).toEqual([0, 1, 2, 3, 4]);
      expect(r.nextOffset).toBe(5);
      expect((await store.queues('$upstream'))[0]!.length).toBe(5);
      await store.checkpoint(upstream, r.nextOffset - 1);
      expect(await store.stats()).toMatchObject({ messageCount: 0, bytes: 0 });
    });

    it('cleanup removes expired entries anywhere in every queue and frees copies nothing references', async () => {
      const { store, clock } = await openForTest(make);
      const live = textMessage('live');
      await store.append(textMessage('a'), [to(upstream, 5)]);
      await store.append(live, [to(upstream, 3600), to(moduleInput, 5)]);
      await store.append(textMessage('b'), [to(upstreamPri0, 5), to(moduleInput, 5)]);
      clock.advance(6_000);
      const result = await store.cleanup();
      expect([...result.expired].sort((x, y) => x.endpointId.localeCompare(y.endpointId) || x.priority - y.priority)).toEqual([
        { endpointId: '$upstream', priority: 0, count: 1, offsets: [0] },
        { endpointId: '$upstream', priority: 2_000_000_000, count: 1, offsets: [0] },
        { endpointId: moduleInput.endpointId, priority: moduleInput.priority, count: 2, offsets: [0, 1] },
      ]);
      expect(result.messagesRemoved).toBe(2);
      expect(result.bytesFreed).toBe(messageSizeBytes(textMessage('a')) + messageSizeBytes(textMessage('b')));
      expect(await store.stats()).toMatchObject({ messageCount: 1, bytes: messageSizeBytes(live) });
      expect((await store.queues()).map((q) => [q.name, q.length])).toEqual([
        ['$upstream_Pri0', 0],
        ['$upstream', 1],
        [moduleInput.endpointId, 0],
      ]);
      expect((await store.read(upstream, 0, 10)).entries.map((e) => e.offset)).toEqual([1]);
    });

    it('cleanup with nothing expired removes nothing', async () => {
      const { store } = await openForTest(make);
      await store.append(textMessage('x'), [to(upstream, 60)]);
      expect(await store.cleanup()).toEqual({ expired: [], messagesRemoved: 0, bytesFreed: 0 });
      expect((await store.stats()).messageCount).toBe(1);
    });
  });
}

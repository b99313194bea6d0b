import { messageSizeBytes } from '@verge/contracts';
import { describe, expect, it } from 'vitest';
import { bodyText, moduleInput, openForTest, readTexts, textMessage, to, upstream, upstreamPri0, type MessageStoreSubject } from './fixture.js';

/** append / read / queues: one copy, one queue per (endpoint, priority), offsets in call order. */
export function describeAppendRead(make: () => MessageStoreSubject): void {
  describe('append and read', () => {
    it('stores a message and reads it back with its offset, id, enqueue time and TTL', async () => {
      const { store, clock } = await openForTest(make);
      const m = textMessage('hello', { temp: '21', 'ünï': 'çødé ☃ 𝄞' }, { messageId: 'm1', connectionDeviceId: 'dev', connectionModuleId: 'sensor' });
      const receipt = await store.append(m, [to(upstream, 7200)]);
      expect(receipt.enqueuedAtMs).toBe(clock.now);
      expect(receipt.offsets).toEqual([{ endpointId: '$upstream', priority: 2_000_000_000, offset: 0 }]);
      const r = await store.read(upstream, 0, 10);
      expect(r.expired).toEqual([]);
      expect(r.nextOffset).toBe(1);
      expect(r.entries).toHaveLength(1);
      const e = r.entries[0];
      expect(e).toMatchObject({ offset: 0, edgeMessageId: receipt.edgeMessageId, enqueuedAtMs: clock.now, ttlSecs: 7200 });
      expect(bodyText(e!.message)).toBe('hello');
      expect(e!.message.properties).toEqual(m.properties);
      expect(e!.message.systemProperties).toEqual(m.systemProperties);
    });

    it('keeps every byte of a binary body, including an empty one', async () => {
      const { store } = await openForTest(make);
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.append({ body: all, properties: {}, systemProperties: {} }, [to(upstream)]);
      await store.append({ body: new Uint8Array(0), properties: {}, systemProperties: {} }, [to(upstream)]);
      const r = await store.read(upstream, 0, 10);
      expect(Array.from(r.entries[0]!.message.body)).toEqual(Array.from(all));
      expect(r.entries[1]!.message.body.byteLength).toBe(0);
    });

    it('copies the body: changing the caller\'s buffer after append does not change the stored message', async () => {
      const { store } = await openForTest(make);
      const body = new TextEncoder().encode('original');
      const pending = store.append({ body, properties: {}, systemProperties: {} }, [to(upstream)]);
      body.fill(0x21);
      await pending;
      expect(await readTexts(store, upstream)).toEqual(['original']);
    });

    it('gives concurrent appends consecutive offsets in call order (group commit keeps order)', async () => {
      const { store } = await openForTest(make);
      const receipts = await Promise.all(Array.from({ length: 200 }, (_, i) => store.append(textMessage(`m${i}`), [to(upstream)])));
      expect(receipts.map((r) => r.offsets[0]!.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(await readTexts(store, upstream)).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
      expect(new Set(receipts.map((r) => r.edgeMessageId)).size).toBe(200);
    });

    it('reads from an offset, at most max entries, and says where to continue', async () => {
      const { store } = await openForTest(make);
      for (let i = 0; i < 10; i++) await store.append(textMessage(`m${i}`), [to(upstream)]);
      const r = await store.read(upstream, 3, 4);
      expect(r.entries.map((e) => e.offset)).toEqual([3, 4, 5, 6]);
      expect(r.nextOffset).toBe(7);
      const tail = await store.read(upstream, 7, 100);
      expect(tail.entries.map((e) => e.offset)).toEqual([7, 8, 9]);
      expect(tail.nextOffset).toBe(10);
      expect(await store.read(upstream, 10, 5)).toEqual({ entries: [], expired: [], nextOffset: 10 });
    });

    it('reads an unknown queue as empty', async () => {
      const { store } = await openForTest(make);
      expect(await store.read({ endpointId: 'nowhere', priority: 3 }, 5, 10)).toEqual({ entries: [], expired: [], nextOffset: 5 });
    });

    it('appends one reference per delivery, to independent queues per (endpoint, priority), sharing one copy', async () => {
      const { store } = await openForTest(make);
      const m = textMessage('both', { a: 'b' });
      const receipt = await store.append(m, [to(upstreamPri0), to(moduleInput)]);
      await store.append(textMessage('only-upstream-default'), [to(upstream)]);
      expect(receipt.offsets).toEqual([
        { ...upstreamPri0, offset: 0 },
        { ...moduleInput, offset: 0 },
      ]);
      expect(await readTexts(store, upstreamPri0)).toEqual(['both']);
      expect(await readTexts(store, moduleInput)).toEqual(['both']);
      expect(await readTexts(store, upstream)).toEqual(['only-upstream-default']);
      const stats = await store.stats();
      expect(stats.messageCount).toBe(2);
      expect(stats.bytes).toBe(messageSizeBytes(m) + messageSizeBytes(textMessage('only-upstream-default')));
    });

    it('lists queues sorted by endpoint then priority, with iotedge names, optionally for one endpoint', async () => {
      const { store } = await openForTest(make);
      await store.append(textMessage('x'), [to(upstream), to(moduleInput)]);
      await store.append(textMessage('y'), [to(upstreamPri0)]);
      const all = await store.queues();
      expect(all.map((q) => [q.name, q.length, q.checkpoint, q.nextOffset])).toEqual([
        ['$upstream_Pri0', 1, -1, 1],
        ['$upstream', 1, -1, 1],
        ['BrokeredEndpoint("/modules/filter/inputs/in1")', 1, -1, 1],
      ]);
      expect((await store.queues('$upstream')).map((q) => q.priority)).toEqual([0, 2_000_000_000]);
      expect(await store.queues('unknown')).toEqual([]);
      expect((await store.stats()).queues).toEqual(all);
    });
  });
}

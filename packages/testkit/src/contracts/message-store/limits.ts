import { messageSizeBytes, type MessageStore } from '@verge/contracts';
import { describe, expect, it } from 'vitest';
import { moduleInput, openForTest, readTexts, rejection, textMessage, to, upstream, type MessageStoreSubject } from './fixture.js';

/** A 100-byte body and no properties: exactly 100 bytes against the limit. */
function hundred(tag: string): ReturnType<typeof textMessage> {
  return textMessage(tag.padEnd(100, '.'));
}

async function unchanged(store: MessageStore, before: Awaited<ReturnType<MessageStore['stats']>>): Promise<void> {
  expect(await store.stats()).toEqual(before);
}

/** The byte bound (HUB_STORE_FULL) and all-or-nothing appends. */
export function describeLimits(make: () => MessageStoreSubject): void {
  describe('size limit and atomicity', () => {
    it('accepts up to the limit exactly, then refuses with HUB_STORE_FULL naming the limit and the size, storing nothing', async () => {
      const { store } = await openForTest(make, 300);
      for (const t of ['a', 'b', 'c']) await store.append(hundred(t), [to(upstream), to(moduleInput)]);
      const before = await store.stats();
      expect(before.bytes).toBe(300);
      const e = await rejection(store.append(textMessage('d'), [to(upstream), to(moduleInput)]));
      expect(e.code).toBe('HUB_STORE_FULL');
      expect(e.message).toBe(
        'message store full: storing this 1-byte message would bring the store to 301 bytes, over its limit of 300 bytes ' +
          '(it holds 300 bytes in 3 messages); space frees as queued messages are delivered or expire',
      );
      expect((e as { details?: unknown }).details).toEqual({ maxBytes: 300, usedBytes: 300, messageBytes: 1, messageCount: 3 });
      await unchanged(store, before);
      expect(await readTexts(store, moduleInput)).toHaveLength(3);
    });

    it('never lets concurrent appends overshoot the limit: the first ones fit, the rest are refused', async () => {
      const { store } = await openForTest(make, 250);
      const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((t) => store.append(hundred(t), [to(upstream)])));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
      expect((await store.stats()).bytes).toBe(200);
      expect((await readTexts(store, upstream)).map((t) => t[0])).toEqual(['a', 'b']);
    });

    it('frees space as messages are delivered (checkpointed) and as expired ones are cleaned up', async () => {
      const { store, clock } = await openForTest(make, 200);
      await store.append(hundred('a'), [to(upstream)]);
      await store.append(hundred('b'), [to(moduleInput, 1)]);
      expect((await rejection(store.append(hundred('c'), [to(upstream)]))).code).toBe('HUB_STORE_FULL');
      await store.checkpoint(upstream, 0);
      await store.append(hundred('c'), [to(upstream)]);
      expect((await rejection(store.append(hundred('d'), [to(upstream)]))).code).toBe('HUB_STORE_FULL');
      clock.advance(1_001);
      await store.cleanup();
      await store.append(hundred('d'), [to(upstream)]);
      expect((await readTexts(store, upstream)).map((t) => t[0])).toEqual(['c', 'd']);
      expect((await store.stats()).bytes).toBe(200);
    });

    it('refuses a single message larger than the whole limit', async () => {
      const { store } = await openForTest(make, 50);
      const e = await rejection(store.append(hundred('x'), [to(upstream)]));
      expect(e.code).toBe('HUB_STORE_FULL');
      expect(messageSizeBytes(hundred('x'))).toBe(100);
    });

    const invalid: readonly [string, Parameters<MessageStore['append']>[1], string][] = [
      ['no delivery', [], 'deliveries is empty: a message is stored only for at least one endpoint (unrouted messages are dropped by the caller)'],
      [
        'the same endpoint twice',
        [to(upstream), to(moduleInput), { endpointId: '$upstream', priority: 0, ttlSecs: 1 }],
        'deliveries[2].endpointId "$upstream" repeats deliveries[0]: a message is enqueued at most once per endpoint (reference §3.5)',
      ],
      ['an empty endpoint id', [to(upstream), { endpointId: '', priority: 0, ttlSecs: 1 }], 'deliveries[1].endpointId must be a non-empty string'],
      ['a negative priority', [{ endpointId: 'e', priority: -1, ttlSecs: 1 }], 'deliveries[0].priority is -1: it must be an integer from 0 to 2^31-1'],
      ['a fractional priority', [{ endpointId: 'e', priority: 1.5, ttlSecs: 1 }], 'deliveries[0].priority is 1.5: it must be an integer from 0 to 2^31-1'],
      [
        'a fractional TTL',
        [to(upstream), { endpointId: 'e', priority: 1, ttlSecs: 0.5 }],
        'deliveries[1].ttlSecs is 0.5: it must be an integer number of seconds within ±2^32 (negative means never expire)',
      ],
      [
        'a NaN TTL',
        [{ endpointId: 'e', priority: 1, ttlSecs: Number.NaN }],
        'deliveries[0].ttlSecs is NaN: it must be an integer number of seconds within ±2^32 (negative means never expire)',
      ],
    ];
    it.each(invalid)('refuses %s with HUB_STORE_ARGUMENT_INVALID and writes nothing', async (_name, deliveries, message) => {
      const { store } = await openForTest(make);
      await store.append(textMessage('existing'), [to(upstream)]);
      const before = await store.stats();
      const e = await rejection(store.append(textMessage('bad'), deliveries));
      expect(e.code).toBe('HUB_STORE_ARGUMENT_INVALID');
      expect(e.message).toBe(message);
      await unchanged(store, before);
    });

    it('refuses read arguments out of range', async () => {
      const { store } = await openForTest(make);
      expect((await rejection(store.read(upstream, -1, 1))).message).toBe('fromOffset is -1: it must be an integer ≥ 0');
      expect((await rejection(store.read(upstream, 0, 0))).message).toBe('max is 0: it must be an integer ≥ 1');
      expect((await rejection(store.read({ endpointId: '', priority: 0 }, 0, 1))).message).toBe('queue.endpointId must be a non-empty string');
    });
  });
}

import { messageSizeBytes } from '@verge/contracts';
import { describe, expect, it } from 'vitest';
import { moduleInput, openForTest, readTexts, rejection, textMessage, to, upstream, type MessageStoreSubject } from './fixture.js';

/** checkpoint, ref counting and the removal of completed entries. */
export function describeCheckpoint(make: () => MessageStoreSubject): void {
  describe('checkpoint and reference counting', () => {
    it('retires entries up to the checkpoint: the queue resumes after it', async () => {
      const { store } = await openForTest(make);
      for (let i = 0; i < 5; i++) await store.append(textMessage(`m${i}`), [to(upstream)]);
      await store.checkpoint(upstream, 2);
      expect(await readTexts(store, upstream, 0)).toEqual(['m3', 'm4']);
      const [q] = await store.queues('$upstream');
      expect(q).toMatchObject({ checkpoint: 2, nextOffset: 5, length: 2 });
    });

    it('only moves forward: a checkpoint at or below the current one is a no-op', async () => {
      const { store } = await openForTest(make);
      for (let i = 0; i < 4; i++) await store.append(textMessage(`m${i}`), [to(upstream)]);
      await store.checkpoint(upstream, 2);
      await store.checkpoint(upstream, 1);
      await store.checkpoint(upstream, 2);
      await store.checkpoint(upstream, -1);
      const [q] = await store.queues('$upstream');
      expect(q).toMatchObject({ checkpoint: 2, length: 1 });
    });

    it('rejects a checkpoint past the last appended offset, and on an unknown queue', async () => {
      const { store } = await openForTest(make);
      await store.append(textMessage('m0'), [to(upstream)]);
      const e = await rejection(store.checkpoint(upstream, 1));
      expect(e.code).toBe('HUB_STORE_ARGUMENT_INVALID');
      expect(e.message).toBe('cannot checkpoint offset 1 of queue "$upstream": its last appended offset is 0');
      const u = await rejection(store.checkpoint({ endpointId: 'ghost', priority: 1 }, 0));
      expect(u.message).toBe('cannot checkpoint offset 0 of queue "ghost_Pri1": its last appended offset is -1');
      await store.checkpoint({ endpointId: 'ghost', priority: 1 }, -1);
      expect((await store.queues('$upstream'))[0]).toMatchObject({ checkpoint: -1, length: 1 });
    });

    it('never reuses an offset, even when the queue was emptied', async () => {
      const { store } = await openForTest(make);
      for (let i = 0; i < 3; i++) await store.append(textMessage(`m${i}`), [to(upstream)]);
      await store.checkpoint(upstream, 2);
      const r = await store.append(textMessage('m3'), [to(upstream)]);
      expect(r.offsets[0]!.offset).toBe(3);
      expect((await store.read(upstream, 0, 10)).entries.map((e) => e.offset)).toEqual([3]);
    });

    it('deletes the one stored copy only when the last queue referencing it has checkpointed past it', async () => {
      const { store } = await openForTest(make);
      const m = textMessage('shared', { k: 'v' }, { messageId: 'id-1' });
      await store.append(m, [to(upstream), to(moduleInput)]);
      expect(await store.stats()).toMatchObject({ messageCount: 1, bytes: messageSizeBytes(m) });
      await store.checkpoint(upstream, 0);
      expect(await store.stats()).toMatchObject({ messageCount: 1, bytes: messageSizeBytes(m) });
      expect(await readTexts(store, moduleInput)).toEqual(['shared']);
      await store.checkpoint(moduleInput, 0);
      expect(await store.stats()).toMatchObject({ messageCount: 0, bytes: 0 });
    });

    it('counts bytes as bodies plus UTF-8 property keys and values, each stored copy once', async () => {
      const { store } = await openForTest(make);
      const m = textMessage('12345', { ab: 'é' }, { cid: '☃' });
      expect(messageSizeBytes(m)).toBe(5 + 2 + 2 + 3 + 3);
      await store.append(m, [to(upstream), to(moduleInput)]);
      expect((await store.stats()).bytes).toBe(15);
    });
  });
}

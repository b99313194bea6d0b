import { mkdtempSync, rmSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueueEntry } from '@verge/contracts';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RecentEntries } from '../../../src/hub/store/recent-entries.js';
import { openSqliteMessageStore } from '../../../src/hub/store/index.js';

const entry = (offset: number, enqueuedAtMs = 0, ttlSecs = -1): QueueEntry => ({
  offset,
  edgeMessageId: `e${offset}`,
  enqueuedAtMs,
  ttlSecs,
  message: { body: new Uint8Array([offset]), properties: {}, systemProperties: {} },
});

describe('RecentEntries (entries committed last, read without SQLite)', () => {
  it('serves a read that starts inside its contiguous run, and nothing else', () => {
    const r = new RecentEntries({ maxEntries: 4, maxBytes: 1000 });
    for (let o = 10; o < 16; o++) r.add(1, entry(o), 1);
    expect(r.size).toBe(4); // 12..15 kept
    expect(r.read(1, 11, 10, 0, 10)).toBeUndefined(); // dropped: SQLite
    expect(r.read(1, 13, 2, 0, 10)?.entries.map((e) => e.offset)).toEqual([13, 14]);
    expect(r.read(1, 13, 10, 0, 10)).toMatchObject({ nextOffset: 16 });
    expect(r.read(1, 16, 10, 0, 10)).toBeUndefined();
    expect(r.read(2, 13, 10, 0, 10)).toBeUndefined();
    r.add(1, entry(20), 1); // a gap: a new run
    expect(r.read(1, 13, 10, 0, 10)).toBeUndefined();
    expect(r.read(1, 20, 10, 0, 10)?.entries.map((e) => e.offset)).toEqual([20]);
  });

  it('retires at checkpoints, bounds bytes, reports expired entries apart, and forgets everything on clear', () => {
    const r = new RecentEntries({ maxEntries: 100, maxBytes: 10 });
    for (let o = 0; o < 5; o++) r.add(1, entry(o, 0, o === 1 ? 1 : -1), 3);
    expect(r.size).toBe(3); // 9 bytes
    r.retire(1, 2);
    expect(r.read(1, 3, 10, 5000, 10)?.entries.map((e) => e.offset)).toEqual([3, 4]);
    r.add(1, entry(5, 0, 1), 3);
    expect(r.read(1, 3, 10, 5000, 10)).toEqual({ entries: [entry(3), entry(4)], expired: [{ offset: 5, edgeMessageId: 'e5' }], nextOffset: 6 });
    r.clear();
    expect(r.read(1, 3, 10, 0, 10)).toBeUndefined();
  });
});

describe('SQLite store: reads served from the recent entries equal reads from the file', () => {
  it('returns the same entries, offsets and expiry as a store reading SQLite, across checkpoints and clean-ups', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verge-hub-recent-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'messages.db');
    let now = 1_000_000;
    const store = openSqliteMessageStore({ path, nowMs: () => now });
    onTestFinished(() => store.close());
    const q = { endpointId: '/modules/m/inputs/i', priority: 0 };
    for (let i = 0; i < 30; i++) {
      const message = { body: new TextEncoder().encode(`m${i}`), properties: { k: `v${i}` }, systemProperties: { connectionDeviceId: 'd' } };
      await store.append(message, [q, { endpointId: '$upstream', priority: 1 }].map((d) => ({ ...d, ttlSecs: i % 7 === 3 ? 1 : 60 })));
    }
    now += 2000; // every seventh entry has expired
    const fromFile = async (from: number, max: number) => {
      const other = openSqliteMessageStore({ path, nowMs: () => now });
      try {
        return await other.read(q, from, max);
      } finally {
        await other.close();
      }
    };
    const same = async (from: number, max: number) => {
      const cached = await store.read(q, from, max);
      expect(cached).toEqual(await fromFile(from, max));
      return cached;
    };
    expect((await same(0, 10)).expired.map((e) => e.offset)).toEqual([3, 10]);
    await same(5, 100);
    await store.checkpoint(q, 9);
    await same(10, 7);
    await store.cleanup();
    await same(10, 100);
    expect((await same(10, 100)).expired).toEqual([]);
  });
});

describe('RecentEntries: retired entries are released at once', () => {
  it('keeps no reference to an entry once it is retired or dropped (they must die young, not be promoted)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const r = new RecentEntries({ maxEntries: 4, maxBytes: 1000 });
    const refs: WeakRef<QueueEntry>[] = [];
    for (let o = 0; o < 10; o++) {
      const e = entry(o);
      refs.push(new WeakRef(e));
      r.add(1, e, 1);
    }
    r.retire(1, 7); // 0..5 dropped by the bound, 6..7 retired; 8..9 held
    // WeakRef targets stay alive until the current job ends: collect in a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.map((w) => w.deref() !== undefined)).toEqual([false, false, false, false, false, false, false, false, true, true]);
    expect(r.read(1, 8, 10, 0, 10)?.entries.map((e) => e.offset)).toEqual([8, 9]);
  });
});

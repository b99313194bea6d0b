import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createMemoryMessageStore, openSqliteMessageStore } from '../../../src/hub/store/index.js';

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'verge-hub-store-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'sub', 'messages.db');
}

describe('SQLite message store specifics', () => {
  it('fails only the append whose write fails, rolls back its queue and counters, and keeps the others of its batch', async () => {
    const path = tempPath();
    const ids = ['id-a', null, 'id-c'];
    // A null edgeMessageId violates NOT NULL inside the batch transaction: a real SQLite failure mid-batch.
    const store = openSqliteMessageStore({ path, newId: () => ids.shift() as string });
    const msg = (t: string) => ({ body: new TextEncoder().encode(t), properties: {}, systemProperties: {} });
    const results = await Promise.allSettled([
      store.append(msg('a'), [{ endpointId: 'x', priority: 0, ttlSecs: -1 }]),
      store.append(msg('b'), [{ endpointId: 'new-queue', priority: 1, ttlSecs: -1 }, { endpointId: 'x', priority: 0, ttlSecs: -1 }]),
      store.append(msg('c'), [{ endpointId: 'x', priority: 0, ttlSecs: -1 }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason as { code: string; message: string };
    expect(reason.code).toBe('HUB_STORE_WRITE_FAILED');
    expect(reason.message).toBe(
      'message store write failed and was rolled back (SQLITE_CONSTRAINT_NOTNULL: NOT NULL constraint failed: messages.edge_message_id); nothing of it was stored',
    );
    const expected = { messageCount: 2, bytes: 2, queues: [{ endpointId: 'x', priority: 0, name: 'x_Pri0', checkpoint: -1, nextOffset: 2, length: 2 }] };
    expect(await store.stats()).toMatchObject(expected);
    expect((await store.read({ endpointId: 'x', priority: 0 }, 0, 10)).entries.map((e) => [e.offset, e.edgeMessageId])).toEqual([
      [0, 'id-a'],
      [1, 'id-c'],
    ]);
    await store.close();
    const reopened = openSqliteMessageStore({ path });
    onTestFinished(() => reopened.close());
    expect(await reopened.stats()).toMatchObject(expected);
  });


  it.each(['NORMAL', 'FULL'] as const)('opens in WAL mode with synchronous=%s and persists appends', async (synchronous) => {
    const path = tempPath();
    const store = openSqliteMessageStore({ path, synchronous });
    await store.append({ body: new Uint8Array([1, 2, 3]), properties: {}, systemProperties: {} }, [{ endpointId: 'e', priority: 0, ttlSecs: -1 }]);
    await store.close();
    const db = new Database(path, { readonly: true });
    onTestFinished(() => db.close());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT COUNT(*) FROM messages').pluck().get()).toBe(1);
  });

  it('batches one append per commit when maxBatchSize is 1, keeping order', async () => {
    const store = openSqliteMessageStore({ path: tempPath(), maxBatchSize: 1 });
    onTestFinished(() => store.close());
    const r = await Promise.all([0, 1, 2].map((i) => store.append({ body: new Uint8Array([i]), properties: {}, systemProperties: {} }, [{ endpointId: 'e', priority: 0, ttlSecs: -1 }])));
    expect(r.map((x) => x.offsets[0]!.offset)).toEqual([0, 1, 2]);
  });

  it('never reuses an offset across a restart, even after the expiry clean-up removed the last entries of a queue', async () => {
    const path = tempPath();
    let now = 1_000_000;
    const q = { endpointId: '/modules/m/inputs/i', priority: 0 };
    const msg = (t: string) => ({ body: new TextEncoder().encode(t), properties: {}, systemProperties: {} });
    const store = openSqliteMessageStore({ path, nowMs: () => now });
    for (const t of ['a', 'b', 'c']) await store.append(msg(t), [{ ...q, ttlSecs: 1 }]);
    await store.checkpoint(q, 0);
    now += 2000;
    expect((await store.cleanup()).expired).toEqual([{ ...q, count: 2, offsets: [1, 2] }]);
    await store.close();
    const reopened = openSqliteMessageStore({ path, nowMs: () => now });
    onTestFinished(() => reopened.close());
    expect(await reopened.queues()).toMatchObject([{ ...q, checkpoint: 0, nextOffset: 3, length: 0 }]);
    expect((await reopened.append(msg('d'), [{ ...q, ttlSecs: -1 }])).offsets[0]!.offset).toBe(3);
  });

  it('shares the database file: the WAL checkpoint worker reads it on a connection of its own', async () => {
    const path = tempPath();
    const store = openSqliteMessageStore({ path });
    onTestFinished(() => store.close());
    await store.append({ body: new Uint8Array([1]), properties: {}, systemProperties: {} }, [{ endpointId: 'e', priority: 0, ttlSecs: -1 }]);
    const other = new Database(path, { timeout: 0, readonly: true });
    onTestFinished(() => other.close());
    expect(other.prepare('SELECT COUNT(*) FROM messages').pluck().get()).toBe(1);
  });

  it("lets the WAL grow past SQLite's default mark, up to half the disk reserve, before it restarts (fewer final rounds)", async () => {
    const path = tempPath();
    const store = openSqliteMessageStore({ path, reserveDiskBytes: 64 * 1024 * 1024 });
    onTestFinished(() => store.close());
    const body = new Uint8Array(4000);
    // ~1,600 WAL pages: past SQLite's default mark of 1000 (which would restart the WAL at ~4 MiB), below 4000.
    await Promise.all(Array.from({ length: 1500 }, () => store.append({ body, properties: {}, systemProperties: {} }, [{ endpointId: 'e', priority: 0, ttlSecs: -1 }])));
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(5.5 * 1024 * 1024);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxBytes %d with HUB_STORE_OPTIONS_INVALID', (maxBytes) => {
    const message = `maxBytes is ${String(maxBytes)}: the store size limit must be a positive integer number of bytes`;
    expect(() => openSqliteMessageStore({ path: tempPath(), maxBytes })).toThrow(expect.objectContaining({ code: 'HUB_STORE_OPTIONS_INVALID', message }));
    expect(() => createMemoryMessageStore({ maxBytes })).toThrow(expect.objectContaining({ code: 'HUB_STORE_OPTIONS_INVALID', message }));
  });
});

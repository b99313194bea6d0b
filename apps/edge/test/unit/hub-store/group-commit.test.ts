import { openSqlite, type SqliteDatabase } from '@verge/platform';
import { describe, expect, it, onTestFinished } from 'vitest';
import { GroupCommit } from '../../../src/hub/store/group-commit.js';

function setup(options: { maxBatchDelayMs: number; maxBatchSize: number }): { db: SqliteDatabase; gc: GroupCommit; commits: number[]; rollbacks: () => number } {
  const db = openSqlite(':memory:');
  db.exec('CREATE TABLE t (v INTEGER NOT NULL CHECK (v >= 0))');
  onTestFinished(() => db.close());
  const commits: number[] = [];
  let rollbacks = 0;
  const gc = new GroupCommit(db, options, {
    begin: () => undefined,
    beforeCommit: () => commits.push((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n),
    afterRollback: () => void rollbacks++,
    writeFailed: (cause) => new Error(`write failed: ${(cause as Error).message}`),
  });
  return { db, gc, commits, rollbacks: () => rollbacks };
}

const insert = (db: SqliteDatabase, v: number) => (): number => {
  db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
  return v;
};
const count = (db: SqliteDatabase): number => (db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;

describe('GroupCommit', () => {
  it('commits everything submitted in one event-loop turn in one transaction, resolving after the commit', async () => {
    const { db, gc, commits } = setup({ maxBatchDelayMs: 0, maxBatchSize: 1000 });
    const all = Array.from({ length: 100 }, (_, i) => gc.submit(insert(db, i)));
    expect(count(db)).toBe(0);
    expect(gc.pending).toBe(100);
    expect(await Promise.all(all)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(commits).toEqual([100]);
  });

  it('commits at once when a batch reaches maxBatchSize; 1 means one transaction per write', async () => {
    const { db, gc, commits } = setup({ maxBatchDelayMs: 0, maxBatchSize: 1 });
    await Promise.all([gc.submit(insert(db, 1)), gc.submit(insert(db, 2)), gc.submit(insert(db, 3))]);
    expect(commits).toEqual([1, 2, 3]);
  });

  it('waits up to maxBatchDelayMs to gather writes from several turns', async () => {
    const { db, gc, commits } = setup({ maxBatchDelayMs: 20, maxBatchSize: 1000 });
    const a = gc.submit(insert(db, 1));
    await new Promise((r) => setImmediate(r));
    const b = gc.submit(insert(db, 2));
    await Promise.all([a, b]);
    expect(commits).toEqual([2]);
  });

  it('fails only the write that throws: the batch is rolled back and retried one write per transaction', async () => {
    const { db, gc, rollbacks } = setup({ maxBatchDelayMs: 0, maxBatchSize: 1000 });
    const results = await Promise.allSettled([gc.submit(insert(db, 1)), gc.submit(insert(db, -1)), gc.submit(insert(db, 3))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('write failed: CHECK constraint failed: v >= 0');
    expect(db.prepare('SELECT v FROM t ORDER BY v').pluck().all()).toEqual([1, 3]);
    expect(rollbacks()).toBe(2);
  });

  it('leaves nothing of a write that fails half-way', async () => {
    const { db, gc } = setup({ maxBatchDelayMs: 0, maxBatchSize: 1000 });
    const half = (): void => {
      insert(db, 5)();
      insert(db, -5)();
    };
    await expect(gc.submit(half)).rejects.toThrow('write failed');
    expect(count(db)).toBe(0);
  });

  it('passes through an error that is not a storage failure, and calls onSettled once either way', async () => {
    const { db, gc } = setup({ maxBatchDelayMs: 0, maxBatchSize: 1000 });
    let settled = 0;
    const bug = gc.submit(() => {
      throw new TypeError('bug');
    }, () => settled++);
    const fine = gc.submit(insert(db, 1), () => settled++);
    await expect(bug).rejects.toThrow(TypeError);
    await fine;
    expect(settled).toBe(2);
  });

  it('holds writes while held (no commit, promises pending), then commits them at most maxBatchSize per transaction', async () => {
    const { db, gc, commits } = setup({ maxBatchDelayMs: 0, maxBatchSize: 2 });
    gc.hold();
    let settled = 0;
    const all = [1, 2, 3, 4, 5].map((v) => gc.submit(insert(db, v)).finally(() => settled++));
    gc.flush();
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    expect(gc.held).toBe(true);
    expect(settled).toBe(0);
    expect(count(db)).toBe(0);
    gc.release();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5]);
    expect(commits).toEqual([2, 4, 5]);
  });

  it('flush commits synchronously', () => {
    const { db, gc } = setup({ maxBatchDelayMs: 10_000, maxBatchSize: 1000 });
    void gc.submit(insert(db, 1));
    gc.flush();
    expect(count(db)).toBe(1);
  });
});

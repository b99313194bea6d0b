import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../src/store/group-commit.js';

/** A commit function that records its batches and can be held open. */
function recorder() {
  const batches: number[][] = [];
  let hold: Promise<void> | undefined;
  let release = (): void => undefined;
  return {
    batches,
    holdNext() {
      hold = new Promise<void>((r) => (release = r));
    },
    release: () => release(),
    commit: async (entries: readonly number[]): Promise<readonly string[]> => {
      batches.push([...entries]);
      const h = hold;
      hold = undefined;
      if (h !== undefined) await h;
      return entries.map((e) => `r${e}`);
    },
  };
}

describe('GroupCommit', () => {
  it('commits entries added in one turn of the event loop together, each resolving with its own result', async () => {
    const r = recorder();
    const g = new GroupCommit(r.commit, { maxBatch: 100, maxInFlight: 1 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => g.add(n)));
    expect(results).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(r.batches).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('cuts a batch at maxBatch', async () => {
    const r = recorder();
    const g = new GroupCommit(r.commit, { maxBatch: 2, maxInFlight: 4 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => g.add(n)));
    expect(r.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('collects what arrives while a batch commits into the next one (maxInFlight 1)', async () => {
    const r = recorder();
    const g = new GroupCommit(r.commit, { maxBatch: 100, maxInFlight: 1 });
    r.holdNext();
    const first = g.add(1);
    await new Promise((resolve) => setImmediate(resolve)); // batch [1] is committing, held
    const later = [2, 3, 4].map((n) => g.add(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.batches).toEqual([[1]]);
    r.release();
    expect(await first).toBe('r1');
    expect(await Promise.all(later)).toEqual(['r2', 'r3', 'r4']);
    expect(r.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('does not resolve an entry before its batch committed, and rejects the whole batch when the commit fails', async () => {
    let resolved = false;
    let fail!: (e: Error) => void;
    const g = new GroupCommit<number, number>(() => new Promise((_, reject) => (fail = reject)), { maxBatch: 10, maxInFlight: 1 });
    const a = g.add(1).then(() => (resolved = true));
    const b = g.add(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    fail(new Error('disk full'));
    await expect(a).rejects.toThrow('disk full');
    await expect(b).rejects.toThrow('disk full');
  });

  it('drain commits what is collected and waits for batches in flight', async () => {
    const r = recorder();
    const g = new GroupCommit(r.commit, { maxBatch: 100, maxInFlight: 1 });
    const p = [g.add(1), g.add(2)];
    await g.drain();
    expect(r.batches).toEqual([[1, 2]]);
    expect(await Promise.all(p)).toEqual(['r1', 'r2']);
  });
});

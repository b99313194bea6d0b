import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, tempDir } from '@verge/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSqliteMessageStore, type SqliteMessageStoreOptions } from '../../../src/hub/store/index.js';
import { afterCommitStep, needsFinalRound } from '../../../src/hub/store/wal-checkpoint-plan.js';
import { startWalCheckpointWorker, type WalCheckpointRunner } from '../../../src/hub/store/wal-checkpoint-worker.js';
import type { WalCheckpointEvent } from '../../../src/hub/store/wal-checkpointer.js';

const MiB = 1024 * 1024;
/** 8 MiB of disk reserve: a WAL mark of 1024 pages (half the reserve), 4,218,912 bytes of WAL file. */
const reserveDiskBytes = 8 * MiB;
const markBytes = 32 + 1024 * (4096 + 24);
const queue = { endpointId: 'e', priority: 0, ttlSecs: -1 };
/** Two pages in the database (a row and an overflow page): a commit of 1000 of them takes the WAL past the mark. */
const message = { body: new Uint8Array(8000).fill(7), properties: {}, systemProperties: {} };
/** WAL bytes one commit of 1000 messages may add at most (a few pages each). */
const batchBytes = 1000 * 3 * (4096 + 24);

/** Real worker rounds that wait for the test to open the gate. */
function gatedWorker(): { start: NonNullable<SqliteMessageStoreOptions['startWalCheckpointRunner']>; open: () => void; asked: () => number } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let asked = 0;
  return {
    start: (path, synchronous, journalSizeLimit): WalCheckpointRunner => {
      const real = startWalCheckpointWorker(path, synchronous, journalSizeLimit);
      return {
        round: async (restart) => {
          asked += 1;
          await gate;
          return real.round(restart);
        },
        close: () => real.close(),
      };
    },
    open: () => open(),
    asked: () => asked,
  };
}

function setup(extra: Partial<SqliteMessageStoreOptions> = {}): { path: string; store: ReturnType<typeof openSqliteMessageStore>; rounds: WalCheckpointEvent[] } {
  const tmp = tempDir('verge-wal-');
  onTestFinished(tmp.cleanup);
  const path = join(tmp.dir, 'messages.db');
  const rounds: WalCheckpointEvent[] = [];
  const store = openSqliteMessageStore({ path, reserveDiskBytes, onWalCheckpoint: (e) => rounds.push(e), ...extra });
  onTestFinished(() => store.close());
  return { path, store, rounds };
}

const fileHash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const walBytes = (path: string): number => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('WAL checkpoints of the SQLite message store', () => {
  it('never checkpoint inside a commit: with the checkpointer held back, commits leave the database file untouched', async () => {
    const worker = gatedWorker();
    // 64 MiB of reserve: a mark of 8192 pages, far from this test's WAL.
    const { path, store } = setup({ startWalCheckpointRunner: worker.start, reserveDiskBytes: 64 * MiB });
    await store.append(message, [queue]); // creates the tables' first pages in the WAL
    const before = fileHash(path);
    // One commit per append until the WAL holds 1,500 pages: past SQLite's default auto-checkpoint mark (1000 pages).
    for (let i = 0; i < 1000 && walBytes(path) <= 1500 * 4096; i++) await store.append(message, [queue]);
    expect(walBytes(path)).toBeGreaterThan(1500 * 4096);
    expect(fileHash(path), 'database file changed: a commit checkpointed').toBe(before);
    worker.open();
  });

  it('bounds the WAL under a burst when checkpoints cannot run: appends past the mark wait, then all commit', async () => {
    const worker = gatedWorker();
    const { path, store, rounds } = setup({ startWalCheckpointRunner: worker.start });
    const before = { db: (await store.append(message, [queue]), fileHash(path)) };
    // 3,000 appends at once: 1,000 per commit (maxBatchSize). The first commit takes the WAL past its mark.
    let settled = 0;
    const burst = Array.from({ length: 3000 }, () => store.append(message, [queue]).finally(() => (settled += 1)));
    await turns(5);
    expect(worker.asked(), 'a checkpoint round was asked for when the WAL passed its mark').toBe(1);
    expect(settled).toBe(1000);
    expect(walBytes(path)).toBeGreaterThan(markBytes);
    expect(walBytes(path), 'WAL beyond the mark by more than one batch').toBeLessThan(markBytes + batchBytes);
    expect(fileHash(path)).toBe(before.db);
    worker.open();
    const receipts = await Promise.all(burst);
    expect(receipts.map((r) => r.offsets[0]!.offset)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    // Every held-back batch went in after a round that emptied the WAL into the database file: the WAL restarted
    // (truncated back to the mark) instead of growing with each batch.
    expect(rounds.filter((r) => r.walFrames === r.checkpointedFrames).length).toBeGreaterThanOrEqual(2);
    expect(rounds.some((r) => r.kind === 'final' && r.restarted), 'the worker restarted the WAL with commits held').toBe(true);
    expect(walBytes(path)).toBeLessThan(markBytes + batchBytes);
    expect((await store.stats()).messageCount).toBe(3001);
  }, 30_000);

  it('checkpoints in the worker while commits go on, and everything acknowledged is in the file after a reopen', async () => {
    const { path, store, rounds } = setup();
    for (let i = 0; i < 1500; i++) await store.append(message, [queue]);
    // A burst of 1000 at once past the mark: a round must run (the bound), in the worker.
    await Promise.all(Array.from({ length: 1000 }, () => store.append(message, [queue])));
    await store.append(message, [queue]);
    expect(rounds.length).toBeGreaterThan(0);
    expect(rounds.every((r) => r.busy === false)).toBe(true);
    await store.close();
    const reopened = openSqliteMessageStore({ path, reserveDiskBytes });
    onTestFinished(() => reopened.close());
    expect((await reopened.stats()).messageCount).toBe(2501);
  }, 30_000);

  it('ends the worker thread once rounds stop coming, starts a new one with the next round, and loses nothing', async () => {
    const runners = { started: 0, closed: 0 };
    const { path, store, rounds } = setup({
      walWorkerIdleStopMs: 20,
      startWalCheckpointRunner: (p, synchronous, journalSizeLimit): WalCheckpointRunner => {
        runners.started += 1;
        const real = startWalCheckpointWorker(p, synchronous, journalSizeLimit);
        return {
          round: (restart) => real.round(restart),
          close: async () => {
            await real.close();
            runners.closed += 1;
          },
        };
      },
    });
    // A burst past the mark: a round must run (the bound), on a first worker.
    await Promise.all(Array.from({ length: 1000 }, () => store.append(message, [queue])));
    await eventually(() => runners.closed === 1, { description: 'the idle worker to end' });
    expect(runners.started).toBe(1);
    const roundsBefore = rounds.length;
    expect(roundsBefore).toBeGreaterThan(0);
    await Promise.all(Array.from({ length: 1000 }, () => store.append(message, [queue])));
    await eventually(() => rounds.length > roundsBefore, { description: 'a round after the worker ended' });
    expect(runners.started, 'the next round started a new worker').toBe(2);
    expect(rounds.every((r) => r.busy === false)).toBe(true);
    await store.close();
    expect(runners.closed).toBe(2);
    const reopened = openSqliteMessageStore({ path, reserveDiskBytes });
    onTestFinished(() => reopened.close());
    expect((await reopened.stats()).messageCount).toBe(2000);
  }, 30_000);

  it('falls back to SQLite checkpointing inside the commit when the worker cannot run, keeping the WAL bounded', async () => {
    const { path, store } = setup({
      startWalCheckpointRunner: () => ({ round: () => Promise.reject(new Error('no worker threads here')), close: () => Promise.resolve() }),
    });
    const before = (await store.append(message, [queue]), fileHash(path));
    // 3 commits of 1000 messages, ~2,000 WAL pages each: past the mark (1024 pages) in every one.
    await Promise.all(Array.from({ length: 3000 }, () => store.append(message, [queue])));
    expect(fileHash(path), 'the fallback checkpointed into the database file').not.toBe(before);
    expect(walBytes(path)).toBeLessThan(markBytes + batchBytes);
    expect((await store.stats()).messageCount).toBe(3001);
  }, 30_000);

  describe('plan', () => {
    const policy = { markBytes: 1000, roundEveryMs: 250, frameBytes: 10 };
    it.each([
      [{ roundUnderWay: false, msSinceLastRound: 249, walFileBytes: 1000 }, { startRound: false, holdWriter: false }],
      [{ roundUnderWay: false, msSinceLastRound: 250, walFileBytes: 125 }, { startRound: true, holdWriter: false }],
      [{ roundUnderWay: false, msSinceLastRound: 9000, walFileBytes: 124 }, { startRound: false, holdWriter: false }],
      [{ roundUnderWay: false, msSinceLastRound: 0, walFileBytes: 1001 }, { startRound: true, holdWriter: true }],
      [{ roundUnderWay: true, msSinceLastRound: 900, walFileBytes: 1001 }, { startRound: false, holdWriter: true }],
    ])('after a commit in %j: %j', (state, step) => {
      expect(afterCommitStep(state, policy)).toEqual(step);
    });

    it('holds commits for a final round once the WAL holds half the mark', () => {
      expect(needsFinalRound(49, policy)).toBe(false);
      expect(needsFinalRound(50, policy)).toBe(true);
    });
  });
});

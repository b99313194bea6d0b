import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { keepYoungGenerationBound } from '../../young-generation.js';

/** What one `PRAGMA wal_checkpoint(PASSIVE)` reported. */
export interface WalCheckpointRound {
  /** True when it could not copy every frame (another checkpoint ran, or a reader held an older snapshot). */
  readonly busy: boolean;
  /** Frames in the WAL since its last restart. */
  readonly walFrames: number;
  /** Frames copied into the database file so far (all of them when equal to `walFrames`). */
  readonly checkpointedFrames: number;
  /** True when the round also restarted the WAL (see {@link WalCheckpointRunner.round}). */
  readonly restarted: boolean;
  /** Wall time of the round, in the thread that ran it. */
  readonly durationMs: number;
}

/** Runs PASSIVE checkpoints of one database on a connection of its own (`wal-checkpointer.ts`). */
export interface WalCheckpointRunner {
  /**
   * One PASSIVE checkpoint: copies the committed frames into the database file and syncs both files. With
   * `restart` (only while the store's commits are held), a checkpoint that copied everything is followed by a
   * one-page write transaction here, which restarts the WAL: the first write after a restart syncs the new WAL
   * header (SQLite, synchronous=NORMAL) and truncates a WAL file grown past `journal_size_limit`, and that write is
   * then this thread's, not a commit of the store's.
   */
  round(restart: boolean): Promise<WalCheckpointRound>;
  /** Closes the connection (and its thread); rounds under way finish first. */
  close(): Promise<void>;
}

/**
 * The worker's code (CommonJS, passed as `eval`: the edge runtime is bundled into one file, so no worker script
 * exists next to it). Its connection only checkpoints: it never writes and holds no snapshot between rounds.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('journal_size_limit = ' + workerData.journalSizeLimit);
// user_version is unused by the store: writing its own value back changes nothing but writes page 1.
const restart = db.transaction(() => db.pragma('user_version = ' + Number(db.pragma('user_version', { simple: true }))));
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  const id = m.id;
  const t0 = performance.now();
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    const restarted = m.restart && r.busy === 0 && r.log === r.checkpointed && r.log > 0;
    if (restarted) restart.immediate();
    parentPort.postMessage({ id, busy: r.busy !== 0, walFrames: r.log, checkpointedFrames: r.checkpointed, restarted, durationMs: performance.now() - t0 });
  } catch (e) {
    parentPort.postMessage({ id, error: String((e && e.code) || 'ERROR') + ': ' + String((e && e.message) || e) });
  }
});
`;

type Reply = (WalCheckpointRound & { readonly id: number; readonly error?: undefined }) | { readonly id: number; readonly error: string };

/**
 * Starts a worker thread holding a second connection to `path` (which must be open in WAL mode without
 * `locking_mode = EXCLUSIVE`). Its checkpoints copy and fsync in that thread: the event loop never waits for them.
 */
export function startWalCheckpointWorker(path: string, synchronous: 'NORMAL' | 'FULL', journalSizeLimit: number): WalCheckpointRunner {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  // A small heap: the worker holds one connection and a few numbers (issue 8 footprint).
  const worker = new Worker(workerSource, { eval: true, workerData: { sqlite, path, synchronous, journalSizeLimit }, resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 } });
  worker.unref(); // rounds run while the store has work: they keep nothing else alive
  worker.once('online', keepYoungGenerationBound); // the worker's isolate reset the runtime's young-generation bound
  const pending = new Map<number, { resolve: (r: WalCheckpointRound) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (e: Error): void => {
    failure ??= e;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  worker.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(`WAL checkpoint failed: ${m.error}`));
    else p?.resolve({ busy: m.busy, walFrames: m.walFrames, checkpointedFrames: m.checkpointedFrames, restarted: m.restarted, durationMs: m.durationMs });
  });
  worker.on('error', (e) => failAll(new Error(`WAL checkpoint worker failed: ${e.message}`, { cause: e })));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      failAll(new Error('WAL checkpoint worker exited'));
      resolve();
    }),
  );
  return {
    round: (restart) =>
      new Promise<WalCheckpointRound>((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, restart });
      }),
    close: async () => {
      worker.ref(); // an unreferenced worker would let the process exit before it closed its connection
      if (failure === undefined) worker.postMessage('close');
      await exited;
    },
  };
}

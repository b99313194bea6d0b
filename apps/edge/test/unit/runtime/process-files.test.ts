import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../../src/runtime/index.js';
import { ModuleLog } from '../../../src/runtime/process/module-log.js';
import { ProcessStore } from '../../../src/runtime/process/process-store.js';
import { processSpec } from '../../integration/runtime-process/specs.js';

let dir: string;
let now = 1_000;
const nowMs = (): number => now;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verge-runtime-unit-'));
  now = 1_000;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function openLog(maxFileBytes = 1_000_000, ringLines = 100): Promise<ModuleLog> {
  return ModuleLog.open({ dir: join(dir, 'log'), maxFileBytes, ringLines, nowMs });
}

describe('ModuleLog', () => {
  it('keeps lines in order with stream and time; tail and since from the ring or the files give the same answer', async () => {
    const log = await openLog(1_000_000, 3);
    for (let i = 0; i < 6; i++) {
      now += 10;
      log.append(i % 2 === 0 ? 'stdout' : 'stderr', `line ${i}`);
    }
    const fromRing = await log.history(2);
    const fromFiles = await log.history(5);
    expect(fromRing.map((l) => l.text)).toEqual(['line 4', 'line 5']);
    expect(fromFiles.map((l) => l.text)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(fromFiles[0]).toMatchObject({ stream: 'stderr', atMs: 1_020 });
    expect((await log.history(undefined, 1_045)).map((l) => l.text)).toEqual(['line 4', 'line 5']);
    expect((await log.history(undefined, 1_015)).map((l) => l.text)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    await log.close();
  });

  it('survives a reopen (runtime restart) and continues the numbering', async () => {
    const first = await openLog();
    first.append('stdout', 'before restart');
    await first.close();
    const second = await openLog();
    second.append('stdout', 'after restart');
    const lines = await second.history();
    expect(lines.map((l) => [l.n, l.text])).toEqual([
      [1, 'before restart'],
      [2, 'after restart'],
    ]);
    await second.close();
  });

  it('stays bounded on disk: rotation keeps at most two files of maxFileBytes', async () => {
    const log = await openLog(4_096, 10);
    for (let i = 0; i < 2_000; i++) log.append('stdout', `${i} ${'x'.repeat(50)}`);
    await log.history(); // waits for the writes
    const files = await readdir(join(dir, 'log'));
    expect(files.sort()).toEqual(['output.log', 'output.log.1']);
    for (const file of files) expect((await stat(join(dir, 'log', file))).size).toBeLessThanOrEqual(4_096);
    const kept = await log.history();
    expect(kept.at(-1)?.text).toMatch(/^1999 /);
    expect(kept.map((l) => l.n)).toEqual(kept.map((_, i) => (kept[0]?.n ?? 0) + i));
    await log.close();
  });

  it('followers get each new line once; close ends them', async () => {
    const log = await openLog();
    log.append('stdout', 'old');
    const follower = log.follow();
    log.append('stdout', 'new 1');
    log.append('stderr', 'new 2');
    await log.close();
    const seen: string[] = [];
    for await (const line of follower) seen.push(line.text);
    expect(seen).toEqual(['new 1', 'new 2']);
  });

  it('destroy deletes the files', async () => {
    const log = await openLog();
    log.append('stdout', 'x');
    await log.destroy();
    await expect(stat(join(dir, 'log'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('skips a line torn by a crash mid-write', async () => {
    const log = await openLog();
    log.append('stdout', 'whole');
    await log.close();
    await writeFile(join(dir, 'log', 'output.log'), '{"n":1,"t":5,"s":"o","l":"whole"}\n{"n":2,"t":6,"s":"o","l":"tor', { flag: 'w' });
    const reopened = await openLog();
    expect((await reopened.history()).map((l) => l.text)).toEqual(['whole']);
    await reopened.close();
  });
});

describe('ProcessStore', () => {
  it('persists records atomically (mode 0600) and reads them back', async () => {
    const path = join(dir, 'state', 'modules.json');
    const store = await ProcessStore.open(path);
    const spec = processSpec('m1', { script: 'x' }, { SECRET: 's' });
    await store.put('m1', { spec, configHash: 'h', injectedEnv: { IOTEDGE_MODULEID: 'm1' }, createdAtMs: 5 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await ProcessStore.open(path);
    expect(again.get('m1')).toEqual({ spec, configHash: 'h', injectedEnv: { IOTEDGE_MODULEID: 'm1' }, createdAtMs: 5 });
    await again.delete('m1');
    expect((await ProcessStore.open(path)).all().size).toBe(0);
  });

  it('leaves a record as it was when the file cannot be written (a full disk), so the failed step is planned again', async () => {
    const path = join(dir, 'modules.json');
    const store = await ProcessStore.open(path);
    const record = { spec: processSpec('m1', { script: 'x' }), configHash: 'h', injectedEnv: {}, createdAtMs: 5 };
    await mkdir(`${path}.tmp`); // the next write fails (EISDIR)
    await expect(store.put('m1', record)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(store.get('m1')).toBeUndefined();
    await rm(`${path}.tmp`, { recursive: true });
    await store.put('m1', record);
    await mkdir(`${path}.tmp`);
    await expect(store.delete('m1')).rejects.toMatchObject({ code: 'EISDIR' });
    expect(store.get('m1')).toEqual(record);
    expect((await ProcessStore.open(path)).get('m1')).toEqual(record);
  });

  it.each([
    ['not JSON', '{', 'it is not JSON'],
    ['wrong version', '{"version":2,"modules":{}}', 'version: Invalid input: expected 1'],
    ['bad record', '{"version":1,"modules":{"m":{"configHash":1}}}', 'modules.m.spec: Invalid input: expected object, received undefined'],
  ])('refuses a state file that is %s (AGT_RUNTIME_STATE_INVALID)', async (_name, text, reason) => {
    const path = join(dir, 'modules.json');
    await writeFile(path, text);
    await expect(ProcessStore.open(path)).rejects.toMatchObject({ code: 'AGT_RUNTIME_STATE_INVALID', message: `process runtime state ${path} cannot be used: ${reason}` });
  });
});

describe('AsyncQueue', () => {
  it('delivers pushed items, then ends; fail rejects after the held items', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.push(2);
    queue.fail(new Error('broken'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const n of queue) seen.push(n);
      })(),
    ).rejects.toThrow('broken');
    expect(seen).toEqual([1, 2]);
  });

  it('bounds a slow consumer with the overflow rule, and tells the producer when the consumer leaves', async () => {
    let left = 0;
    const queue = new AsyncQueue<number>({ maxItems: 2, overflow: () => [-1] }, () => (left += 1));
    queue.push(1);
    queue.push(2);
    queue.push(3);
    const iterator = queue[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: -1, done: false });
    await iterator.return?.();
    expect(left).toBe(1);
    queue.push(4);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSqliteMessageStore } from '../../../src/hub/store/index.js';

// Durability before PUBACK (reference azure-iot-edge.md §4): a child appends to the SQLite store and prints each id
// when its append resolves; the parent SIGKILLs it mid-stream and checks that every printed id was stored, in both
// queues. The child runs the built store (apps/edge/dist): `npx tsc -b` first (`npm test` builds).
const childScript = fileURLToPath(new URL('./append-child.mjs', import.meta.url));
const builtStore = fileURLToPath(new URL('../../../dist/hub/store/index.js', import.meta.url));
const moduleQueue = { endpointId: 'BrokeredEndpoint("/modules/filter/inputs/in1")', priority: 2_000_000_000 };

async function runAndKill(path: string, synchronous: 'NORMAL' | 'FULL', killAfterAcks: number): Promise<Set<number>> {
  const child = spawn(process.execPath, [childScript, path, synchronous], { stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const acked = new Set<number>();
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', () => reject(new Error(`child exited before the kill: ${stderr}`)));
    child.stdout.on('data', (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.add(Number(line.slice(4)));
      if (acked.size >= killAfterAcks && child.signalCode === null) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  expect(await exited).toBe('SIGKILL');
  // Lines the child wrote before it died may still sit in the pipe: read them too, they were acked as well.
  for (const line of buffered.split('\n')) if (line.startsWith('ack ')) acked.add(Number(line.slice(4)));
  return acked;
}

describe('SQLite message store: an acknowledged append survives SIGKILL', () => {
  it.each([
    ['NORMAL', 20_000],
    ['FULL', 3_000],
  ] as const)('synchronous=%s: every id acked before the kill is stored, in every queue, none half-written', async (synchronous, killAfterAcks) => {
    expect(existsSync(builtStore), `build first: ${builtStore} is missing (npx tsc -b)`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'verge-hub-sigkill-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'messages.db');
    const acked = await runAndKill(path, synchronous, killAfterAcks);

    const raw = new Database(path);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    const store = openSqliteMessageStore({ path });
    onTestFinished(() => store.close());
    const ids = async (queue: { endpointId: string; priority: number }): Promise<number[]> =>
      (await store.read(queue, 0, 10_000_000)).entries.map((e) => Number(e.message.properties['n']));
    const upstream = await ids({ endpointId: '$upstream', priority: 0 });
    const module = await ids(moduleQueue);
    const stored = new Set(upstream);
    const missing = [...acked].filter((n) => !stored.has(n));
    expect(missing).toEqual([]);
    expect(module).toEqual(upstream);
    const stats = await store.stats();
    expect(stats.messageCount).toBe(upstream.length);
    // body 256 + property n=<id> + system property messageId=m<id>: the store counted each copy once.
    expect(stats.bytes).toBe(upstream.reduce((sum, id) => sum + 256 + 1 + String(id).length + 'messageId'.length + `m${id}`.length, 0));
    expect(upstream.length).toBeGreaterThanOrEqual(acked.size);
  });
});

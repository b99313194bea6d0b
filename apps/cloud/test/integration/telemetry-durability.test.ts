import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@verge/testkit';
import { openSqliteCloudStore } from '../../src/store/sqlite/sqlite-cloud-store.js';

// A child process appends telemetry as fast as it can, prints every append the moment it resolves (the device
// endpoint sends PUBACK then), and SIGKILLs itself after `KILL_AFTER` acknowledgements, mid-stream. Every message
// it acknowledged must be in the database afterwards. Runs the built store (dist), as `verge cloud start` does.
const KILL_AFTER = 3000;
const CHILD = `
import { writeSync } from 'node:fs';
import { openSqliteCloudStore } from '@verge/cloud';
const store = openSqliteCloudStore({ path: process.env.DB });
let acked = 0;
const body = new TextEncoder().encode('x'.repeat(64));
for (let i = 0; i < 20000; i++) {
  store.telemetry.append({ deviceId: 'd', enqueuedAtMs: i, message: { body, properties: {}, systemProperties: { messageId: 'm' + i } } }).then((r) => {
    writeSync(1, r.message.systemProperties.messageId + '\\n'); // synchronous: on the pipe before the kill
    if (++acked === ${KILL_AFTER}) process.kill(process.pid, 'SIGKILL');
  });
}
`;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function runChild(db: string): Promise<{ acked: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: join(import.meta.dirname, '../..'), env: { ...process.env, DB: db } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child ended without SIGKILL (${String(signal)}): ${err}`));
      // The last line may be cut by the kill; only complete lines count as acknowledged.
      else resolve({ acked: out.split('\n').slice(0, -1), signal });
    });
  });
}

describe('telemetry durability (group commit)', () => {
  it('keeps every acknowledged message when the process is killed mid-stream', async () => {
    const tmp = tempDir('verge-durability-');
    cleanups.push(tmp.cleanup);
    const db = join(tmp.dir, 'cloud.db');
    const { acked } = await runChild(db);
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER - 1);
    const store = openSqliteCloudStore({ path: db });
    try {
      const kept = new Set((await store.telemetry.after({}, 0, 100_000)).map((r) => r.message.systemProperties['messageId']));
      const lost = acked.filter((id) => !kept.has(id));
      expect(lost).toEqual([]);
      // Group commit, not one commit per message: more than what was acknowledged made it (the batch in flight).
      expect(kept.size).toBeGreaterThanOrEqual(acked.length);
    } finally {
      await store.close();
    }
  }, 60_000);
});

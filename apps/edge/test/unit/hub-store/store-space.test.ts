import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isVergeError, type MessageStore } from '@verge/contracts';
import { openSqliteMessageStore } from '../../../src/hub/store/index.js';

const MiB = 1024 * 1024;
const message = (n: number) => ({ body: new TextEncoder().encode('x'.repeat(1000) + n), properties: {}, systemProperties: { connectionDeviceId: 'leaf' } });
const upstream = [{ endpointId: '$upstream', priority: 0, ttlSecs: -1 }];

describe('SQLite message store on a nearly full disk', () => {
  it('accepts again once its delivered messages are retired, though its file does not shrink', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verge-disk-guard-'));
    const path = join(dir, 'messages.db');
    const size = (p: string): number => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    // A 12 MiB disk holding nothing but the store's files; 8 MiB kept in reserve.
    const stat = () => ({ freeBytes: 12 * MiB - size(path) - size(`${path}-wal`), totalBytes: 12 * MiB });
    let now = 0;
    const store: MessageStore = openSqliteMessageStore({ path, reserveDiskBytes: 8 * MiB, statDisk: stat, nowMs: () => now });
    onTestFinished(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    let accepted = 0;
    for (;;) {
      try {
        await store.append(message(accepted), upstream);
        accepted += 1;
        if (accepted % 100 === 0) now += 1_000; // the guard reads the disk again
      } catch (e) {
        expect(isVergeError(e, 'HUB_DISK_LOW'), String(e)).toBe(true);
        break;
      }
    }
    expect(accepted).toBeGreaterThan(100);
    const [q] = await store.queues('$upstream');
    await store.checkpoint(q!, q!.nextOffset - 1); // every message delivered
    now += 1_000;
    await expect(store.append(message(-1), upstream)).resolves.toBeDefined();
  });
});

describe('a refusal for lack of space', () => {
  it('holds for the rest of the event-loop turn: a smaller message pipelined behind the refused one is refused too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verge-refusal-'));
    const store = openSqliteMessageStore({ path: join(dir, 'messages.db'), maxBytes: 3_000 });
    onTestFinished(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const sized = (n: number) => ({ body: new Uint8Array(n), properties: {}, systemProperties: {} });
    await store.append(sized(1_500), upstream);
    // Both arrive in one network read: the hub sees the first refusal only after both reached the store.
    const refused = store.append(sized(1_600), upstream);
    const behind = store.append(sized(100), upstream);
    await expect(refused).rejects.toMatchObject({ code: 'HUB_STORE_FULL' });
    await expect(behind).rejects.toMatchObject({ code: 'HUB_STORE_FULL' });
    await new Promise((r) => setImmediate(r));
    await expect(store.append(sized(100), upstream)).resolves.toBeDefined(); // a later turn is judged again
  });
});

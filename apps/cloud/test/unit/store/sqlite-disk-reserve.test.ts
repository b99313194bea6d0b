import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSqliteCloudStore } from '../../../src/store/sqlite/sqlite-cloud-store.js';

const MiB = 1024 * 1024;
const entry = (n: number) => ({ deviceId: 'd', enqueuedAtMs: n, message: { body: Buffer.alloc(1000, 1), properties: { seq: String(n) }, systemProperties: {} } });

function storeOn(disk: { freeBytes: number; totalBytes: number }, reserveDiskBytes?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'verge-cloud-reserve-'));
  let now = 0;
  const store = openSqliteCloudStore({ path: join(dir, 'cloud.db'), statDisk: () => disk, nowMs: () => now, ...(reserveDiskBytes === undefined ? {} : { reserveDiskBytes }) });
  onTestFinished(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, tick: () => (now += 1_000) };
}

describe('the SQLite cloud store on a small disk', () => {
  it('sizes its WAL checkpoint mark to half the disk reserve (at most 10,000 pages) and truncates the WAL to it', () => {
    const small = storeOn({ freeBytes: 100 * MiB, totalBytes: 100 * MiB }).store;
    expect(small.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1024); // reserve 8 MiB → 4 MiB of WAL
    expect(small.db.pragma('journal_size_limit', { simple: true })).toBe(1024 * (4096 + 24) + 32);
    const large = storeOn({ freeBytes: 1000 * MiB, totalBytes: 100_000 * MiB }).store;
    expect(large.db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
  });

  it('refuses telemetry with CLD_DISK_LOW once a write would eat into the reserve, and accepts when space returns', async () => {
    const disk = { freeBytes: 8 * MiB + 40_000, totalBytes: 100 * MiB };
    const { store, tick } = storeOn(disk, 8 * MiB);
    await store.telemetry.append(entry(1)); // 2 × ~1 kB of 40 kB above the reserve
    let refused: unknown;
    for (let n = 2; n < 100 && refused === undefined; n++) await store.telemetry.append(entry(n)).catch((e: unknown) => (refused = e));
    expect(refused).toMatchObject({ code: 'CLD_DISK_LOW', message: expect.stringContaining('below the 8388608 bytes the cloud keeps in reserve') });
    disk.freeBytes = 20 * MiB;
    tick();
    await expect(store.telemetry.append(entry(100))).resolves.toMatchObject({ deviceId: 'd' });
  });
});

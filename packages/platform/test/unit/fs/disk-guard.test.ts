import { describe, expect, it } from 'vitest';
import { DiskGuard, reserveOf, walPagesWithinReserve, type DiskRefusal } from '../../../src/fs/disk-guard.js';

const MiB = 1024 * 1024;

class DiskLow extends Error {
  constructor(readonly refusal: DiskRefusal) {
    super(`disk low: ${refusal.freeBytes} free, ${refusal.reserveBytes} reserved, ${refusal.bytes} refused`);
  }
}
const refusal = (r: DiskRefusal): Error => new DiskLow(r);

describe('DiskGuard', () => {
  it("refuses (the store's error) when an append would leave less than the reserve free, counting bytes between readings", () => {
    let free = 10 * MiB;
    const guard = new DiskGuard({ dir: '/x', refusal, reserveBytes: 8 * MiB, nowMs: () => 0, stat: () => ({ freeBytes: free, totalBytes: 100 * MiB }) });
    guard.admit(512 * 1024); // 10 MiB - 2 × 0.5 MiB ≥ 8 MiB
    guard.admit(256 * 1024);
    expect(() => guard.admit(512 * 1024)).toThrow(DiskLow);
    free = 20 * MiB; // space returned (read again after a refusal)
    expect(() => guard.admit(512 * 1024)).not.toThrow();
  });

  it('reads the disk again after the clock jumps back (a backward jump never freezes its reading)', () => {
    let now = 10_000_000;
    let free = 20 * MiB;
    const guard = new DiskGuard({ dir: '/x', refusal, reserveBytes: 8 * MiB, recheckMs: 1_000, nowMs: () => now, stat: () => ({ freeBytes: free, totalBytes: 100 * MiB }) });
    guard.admit(MiB);
    free = 8 * MiB; // the disk filled up meanwhile
    now -= 3_600_000; // and the clock went back an hour
    expect(() => guard.admit(MiB)).toThrow(DiskLow);
  });

  it('counts the database file\'s reusable pages as free space', () => {
    const guard = new DiskGuard({ dir: '/x', refusal, reserveBytes: 8 * MiB, nowMs: () => 0, stat: () => ({ freeBytes: 8 * MiB, totalBytes: 100 * MiB }), reusableBytes: () => 2 * MiB });
    expect(() => guard.admit(512 * 1024)).not.toThrow();
  });

  it('uses 2% of the filesystem, at least 8 MiB, as the default reserve', () => {
    const guard = new DiskGuard({ dir: '/x', refusal, nowMs: () => 0, stat: () => ({ freeBytes: 9 * MiB, totalBytes: 100 * MiB }) });
    expect(() => guard.admit(MiB)).toThrow(DiskLow);
  });
});

describe('disk reserve and WAL mark', () => {
  it('throws what the store makes of a refusal, with the directory, free space, reserve and size', () => {
    const guard = new DiskGuard({ dir: '/data', refusal, reserveBytes: 8 * MiB, nowMs: () => 0, stat: () => ({ freeBytes: 9 * MiB, totalBytes: 100 * MiB }) });
    let thrown: unknown;
    try {
      guard.admit(MiB);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DiskLow);
    expect((thrown as DiskLow).refusal).toEqual({ dir: '/data', freeBytes: 9 * MiB, reserveBytes: 8 * MiB, bytes: MiB });
  });

  it('takes the configured reserve, else the default for the filesystem, else none (SQLite keeps its default)', () => {
    const stat = (): { freeBytes: number; totalBytes: number } => ({ freeBytes: 0, totalBytes: 100 * 1024 * MiB });
    expect(reserveOf('/x', 12 * MiB, stat)).toBe(12 * MiB);
    expect(reserveOf('/x', undefined, stat)).toBe(128 * MiB);
    expect(reserveOf('/x', undefined, () => ({ freeBytes: 0, totalBytes: 100 * MiB }))).toBe(8 * MiB);
    expect(reserveOf('/x', undefined, () => { throw new Error('ENOSYS'); })).toBeUndefined();
  });

  it.each([
    [4 * MiB, 10_000, 1000],
    [8 * MiB, 10_000, 1024],
    [64 * MiB, 10_000, 8192],
    [128 * MiB, 10_000, 10_000],
  ])('bounds a WAL mark by half a reserve of %d bytes (at most %d pages): %d pages', (reserve, max, pages) => {
    expect(walPagesWithinReserve(reserve, 4096, max)).toBe(pages);
  });
});

import { describe, expect, it } from 'vitest';
import { reserveOf, walAutocheckpointPages } from '../../../src/hub/store/wal-autocheckpoint.js';

const MiB = 1024 * 1024;

describe('WAL auto-checkpoint of the message store', () => {
  it.each([
    [4 * MiB, 1000],
    [8 * MiB, 1024],
    [16 * MiB, 2048],
    [15 * MiB, 1920],
    [32 * MiB, 4000],
    [128 * MiB, 4000],
  ])('with a disk reserve of %d bytes checkpoints every %d pages: half the reserve, 1000 to 4000 pages', (reserve, pages) => {
    expect(walAutocheckpointPages(reserve, 4096)).toBe(pages);
  });

  it('takes the configured reserve, else the default for the filesystem, else none (SQLite keeps its default)', () => {
    const stat = (): { freeBytes: number; totalBytes: number } => ({ freeBytes: 0, totalBytes: 100 * 1024 * MiB });
    expect(reserveOf('/x', 12 * MiB, stat)).toBe(12 * MiB);
    expect(reserveOf('/x', undefined, stat)).toBe(128 * MiB);
    expect(reserveOf('/x', undefined, () => ({ freeBytes: 0, totalBytes: 100 * MiB }))).toBe(8 * MiB);
    expect(reserveOf('/x', undefined, () => { throw new Error('ENOSYS'); })).toBeUndefined();
  });
});

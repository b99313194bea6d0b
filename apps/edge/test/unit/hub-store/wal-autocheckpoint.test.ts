import { describe, expect, it } from 'vitest';
import { inCommitCheckpointPages, walMarkPages } from '../../../src/hub/store/wal-autocheckpoint.js';

const MiB = 1024 * 1024;

describe('WAL mark of the message store', () => {
  it.each([
    [4 * MiB, 1000],
    [8 * MiB, 1024],
    [16 * MiB, 2048],
    [15 * MiB, 1920],
    [32 * MiB, 4096],
    [128 * MiB, 16_384],
    [1024 * MiB, 16_384],
  ])('with a disk reserve of %d bytes bounds the WAL at %d pages: half the reserve, 1000 pages to 64 MiB', (reserve, pages) => {
    expect(walMarkPages(reserve, 4096)).toBe(pages);
  });

  it('falls back to checkpoints inside the commit at the mark, at most 4000 pages (their pause grows with it)', () => {
    expect(inCommitCheckpointPages(1024)).toBe(1024);
    expect(inCommitCheckpointPages(16_384)).toBe(4000);
  });
});

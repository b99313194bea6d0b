import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { openSqlite, closeSqlite } from '@verge/platform';
import { tempDir } from '@verge/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startWalCheckpointWorker } from '../../../src/hub/store/wal-checkpoint-worker.js';
import { boundYoungGeneration } from '../../../src/young-generation.js';

const newSpaceBytes = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? Number.NaN;

/** Allocation with survivors at each scavenge: what makes V8 grow its semi-spaces (up to 16 MiB each). */
function churn(): number {
  let kept: { i: number; s: string }[] = [];
  let total = 0;
  for (let i = 0; i < 2_000_000; i++) {
    kept.push({ i, s: `m${i}` });
    if (kept.length > 20_000) {
      total += kept.length;
      kept = [];
    }
  }
  return total + kept.length;
}

describe('young generation bound (issue 8, footprint)', () => {
  // Each test file runs in its own process: the V8 flag set here stays in this file.
  it('keeps the new space at its size, also after the WAL checkpoint worker started an isolate of its own', async () => {
    expect(boundYoungGeneration([], undefined)).toBe(true);
    const before = newSpaceBytes();
    const tmp = tempDir('verge-young-gen-');
    onTestFinished(tmp.cleanup);
    const path = join(tmp.dir, 'messages.db');
    const db = openSqlite(path);
    onTestFinished(() => closeSqlite(db));
    const worker = startWalCheckpointWorker(path, 'NORMAL', 1024 * 1024);
    onTestFinished(() => worker.close());
    // A round answered: the worker's isolate exists (configuring it reset V8's growth factor to 2).
    await worker.round(false);
    expect(churn()).toBeGreaterThan(0);
    expect(newSpaceBytes()).toBeLessThanOrEqual(before);
  });

  it("leaves an operator's semi-space flag alone", () => {
    expect(boundYoungGeneration(['--max-semi-space-size=4'], undefined)).toBe(false);
    expect(boundYoungGeneration([], '--enable-source-maps --max-semi-space-size=8')).toBe(false);
    expect(boundYoungGeneration(['--min_semi_space_size=2'], undefined)).toBe(false);
  });
});

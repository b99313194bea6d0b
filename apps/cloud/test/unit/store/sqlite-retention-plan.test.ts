import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '@verge/platform';
import { cloudMigrations } from '../../../src/store/sqlite/migrations.js';
import { LAST_OLDER_THAN_SQL } from '../../../src/store/sqlite/telemetry-store.js';

// Retention by age asks for the newest message older than a cut-off. Planned plainly, SQLite answers that MAX(seq)
// by walking the whole table back from its newest row (a 40 ms stall per prune at 100,000 messages, found by
// profiling the ingest benchmark); the query must read the time index instead.
describe('the SQLite retention lookup by age', () => {
  it('reads the time index, not the table from its newest row', () => {
    const db = new Database(':memory:');
    try {
      runMigrations(db, cloudMigrations);
      const plan = db.prepare<[number], { detail: string }>(`EXPLAIN QUERY PLAN ${LAST_OLDER_THAN_SQL}`).all(0).map((r) => r.detail);
      expect(plan).toEqual([expect.stringContaining('USING COVERING INDEX telemetry_time (enqueued_at<?)')]);
    } finally {
      db.close();
    }
  });
});

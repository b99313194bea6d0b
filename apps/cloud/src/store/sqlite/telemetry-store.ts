import type { SqliteDatabase } from '@verge/platform';
import type { Statement } from 'better-sqlite3';
import type { RetentionLimits, TelemetryEntry, TelemetryFilter, TelemetryStore } from '../ports.js';
import type { SyncOf } from './sync-ports.js';
import type { TelemetryRecord } from '../records.js';
import { filterKind, type FilterKind } from '../telemetry-filter.js';
import { messageFromColumns, messageSizeBytes, propertiesJson, type MessageColumns } from './message-columns.js';

interface TelemetryRow extends MessageColumns {
  seq: number;
  device_id: string;
  module_id: string | null;
  enqueued_at: number;
  size: number;
}

function toRecord(r: TelemetryRow): TelemetryRecord {
  return {
    sequenceNumber: r.seq,
    deviceId: r.device_id,
    ...(r.module_id === null ? {} : { moduleId: r.module_id }),
    enqueuedAtMs: r.enqueued_at,
    message: messageFromColumns(r),
    sizeBytes: r.size,
  };
}

// A device filter alone matches the device's own messages and those of its modules.
const whereOf: Record<FilterKind, string> = {
  all: '1 = 1',
  device: 'device_id = @deviceId',
  deviceModule: 'device_id = @deviceId AND module_id = @moduleId',
  module: 'module_id = @moduleId',
};

interface Totals {
  count: number;
  bytes: number;
  lastSequence: number;
}

/** The synchronous telemetry table: `TelemetryStore` without `append`, plus `appendBatch` (one transaction). */
export type SqliteTelemetryTable = SyncOf<Omit<TelemetryStore, 'append'>> & {
  appendBatch(entries: readonly TelemetryEntry[]): TelemetryRecord[];
};

/**
 * The highest sequence number among messages older than `?` (retention by age). INDEXED BY: without statistics
 * SQLite answers MAX(seq) by walking the table back from its newest row until one is old enough, i.e. the whole table
 * when none is: on every inline prune at the count limit, 15–40 ms per 100,000 rows measured, more than the appends
 * it follows. The time index reads only the rows the pass drops.
 */
export const LAST_OLDER_THAN_SQL = 'SELECT MAX(seq) AS s FROM telemetry INDEXED BY telemetry_time WHERE enqueued_at < ?';

/**
 * The telemetry table of the SQLite store. Count and bytes are kept as running totals (read once at open) so the
 * retention check costs nothing; pruning deletes a prefix of the sequence. Group commit is `telemetry-batcher.ts`.
 */
export function createSqliteTelemetryTable(db: SqliteDatabase): SqliteTelemetryTable {
  // Positional parameters: binding an object looks up each name per row.
  const insert = db.prepare<[string, string | null, number, Uint8Array, string, string, number]>(
    'INSERT INTO telemetry (device_id, module_id, enqueued_at, body, properties, system_properties, size) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const sumUpTo = db.prepare<[number], { n: number; b: number | null }>('SELECT COUNT(*) AS n, SUM(size) AS b FROM telemetry WHERE seq <= ?');
  const deleteUpTo = db.prepare<[number]>('DELETE FROM telemetry WHERE seq <= ?');
  const lastOlderThan = db.prepare<[number], { s: number | null }>(LAST_OLDER_THAN_SQL);
  const nthOldest = db.prepare<[number], { seq: number }>('SELECT seq FROM telemetry ORDER BY seq LIMIT 1 OFFSET ?');
  const oldestSizes = db.prepare<[], { seq: number; size: number }>('SELECT seq, size FROM telemetry ORDER BY seq');
  const recent = new Map<FilterKind, Statement<Record<string, unknown>, TelemetryRow>>();
  const after = new Map<FilterKind, Statement<Record<string, unknown>, TelemetryRow>>();
  const statement = (cache: typeof recent, kind: FilterKind, sql: (where: string) => string): Statement<Record<string, unknown>, TelemetryRow> => {
    let s = cache.get(kind);
    if (s === undefined) {
      s = db.prepare<Record<string, unknown>, TelemetryRow>(sql(whereOf[kind]));
      cache.set(kind, s);
    }
    return s;
  };

  const totals = readTotals(db);

  const dropUpTo = (seq: number): number => {
    const gone = sumUpTo.get(seq) ?? { n: 0, b: 0 };
    deleteUpTo.run(seq);
    totals.count -= gone.n;
    totals.bytes -= gone.b ?? 0;
    return gone.n;
  };

  const bytesCutoff = (excess: number): number | undefined => {
    let freed = 0;
    for (const row of oldestSizes.iterate()) {
      freed += row.size;
      if (freed >= excess) return row.seq;
    }
    return undefined;
  };

  const appendBatch = db.transaction((entries: readonly TelemetryEntry[]): TelemetryRecord[] =>
    entries.map((entry) => {
      const m = entry.message;
      const sizeBytes = messageSizeBytes(m);
      const info = insert.run(entry.deviceId, entry.moduleId ?? null, entry.enqueuedAtMs, m.body, propertiesJson(m.properties), propertiesJson(m.systemProperties), sizeBytes);
      const sequenceNumber = Number(info.lastInsertRowid);
      // Field by field, not a spread of the entry (per message on the ingest path).
      return entry.moduleId === undefined
        ? { deviceId: entry.deviceId, enqueuedAtMs: entry.enqueuedAtMs, message: m, sequenceNumber, sizeBytes }
        : { deviceId: entry.deviceId, moduleId: entry.moduleId, enqueuedAtMs: entry.enqueuedAtMs, message: m, sequenceNumber, sizeBytes };
    }),
  );

  return {
    appendBatch(entries) {
      const records = appendBatch(entries);
      // Totals move only once the batch committed (a failed batch stored nothing).
      for (const r of records) {
        totals.count += 1;
        totals.bytes += r.sizeBytes;
        totals.lastSequence = r.sequenceNumber;
      }
      return records;
    },
    recent(filter, limit, beforeSequence) {
      const s = statement(recent, filterKind(filter), (w) => `SELECT * FROM telemetry WHERE ${w} AND seq < @before ORDER BY seq DESC LIMIT @limit`);
      const rows = s.all({ ...params(filter), before: beforeSequence ?? Number.MAX_SAFE_INTEGER, limit });
      return rows.reverse().map(toRecord);
    },
    after(filter, afterSequence, limit) {
      const s = statement(after, filterKind(filter), (w) => `SELECT * FROM telemetry WHERE ${w} AND seq > @after ORDER BY seq LIMIT @limit`);
      return s.all({ ...params(filter), after: afterSequence, limit }).map(toRecord);
    },
    prune(limits: RetentionLimits) {
      return db.transaction(() => {
        let dropped = 0;
        const old = lastOlderThan.get(limits.olderThanMs)?.s;
        if (old !== null && old !== undefined) dropped += dropUpTo(old);
        if (totals.count > limits.maxCount) {
          const cutoff = nthOldest.get(totals.count - limits.maxCount - 1)?.seq;
          if (cutoff !== undefined) dropped += dropUpTo(cutoff);
        }
        if (totals.bytes > limits.maxBytes) {
          const cutoff = bytesCutoff(totals.bytes - limits.maxBytes);
          if (cutoff !== undefined) dropped += dropUpTo(cutoff);
        }
        return dropped;
      })();
    },
    stats: () => ({ ...totals }),
  };
}

function params(f: TelemetryFilter): Record<string, string> {
  return { ...(f.deviceId === undefined ? {} : { deviceId: f.deviceId }), ...(f.moduleId === undefined ? {} : { moduleId: f.moduleId }) };
}

function readTotals(db: SqliteDatabase): Totals {
  const t = db.prepare<[], { n: number; b: number | null }>('SELECT COUNT(*) AS n, SUM(size) AS b FROM telemetry').get();
  // AUTOINCREMENT keeps the highest sequence ever used in sqlite_sequence, even after every row was pruned.
  const s = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'telemetry'").get();
  return { count: t?.n ?? 0, bytes: t?.b ?? 0, lastSequence: s?.seq ?? 0 };
}

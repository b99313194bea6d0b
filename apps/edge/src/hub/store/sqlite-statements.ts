import type { Message, QueueEntry } from '@verge/contracts';
import type { SqliteDatabase } from '@verge/platform';
import type { Statement } from 'better-sqlite3';
import type { ParsedRecords } from './stored-properties.js';

/** A `refs ⋈ messages` row as `read` selects it. */
export interface EntryRow {
  readonly offset: number;
  readonly enqueued_at_ms: number;
  readonly ttl_secs: number;
  readonly edge_message_id: string;
  readonly body: Buffer;
  readonly properties: string;
  readonly system_properties: string;
}

/** The prepared statements of the SQLite message store (prepared once per connection). */
export interface StoreStatements {
  readonly insertMessage: Statement<[string, Uint8Array, string, string, number, number]>;
  readonly insertRef: Statement<[number, number, number | bigint, number, number, number | null]>;
  readonly insertQueue: Statement<[string, number]>;
  readonly saveNextOffset: Statement<[number, number]>;
  readonly saveCheckpoint: Statement<[number, number]>;
  readonly readEntries: Statement<[number, number, number], EntryRow>;
  readonly deleteSoleUpTo: Statement<[number, number], number>;
  readonly unrefSharedUpTo: Statement<[number, number]>;
  readonly deleteRefsUpTo: Statement<[number, number]>;
  readonly expiredRefs: Statement<[number], { queue_id: number; offset: number; message_seq: number }>;
  readonly unrefOne: Statement<[number]>;
  readonly deleteExpiredRefs: Statement<[number]>;
  readonly unreferencedTotals: Statement<[], { n: number; b: number }>;
  readonly deleteUnreferenced: Statement<[]>;
  readonly allQueues: Statement<[], { id: number; endpoint_id: string; priority: number; next_offset: number; checkpoint: number }>;
  readonly refCounts: Statement<[], { queue_id: number; n: number; last: number }>;
  readonly messageTotals: Statement<[], { n: number; b: number }>;
}

/** Prepares every statement the store runs. */
export function prepareStatements(db: SqliteDatabase): StoreStatements {
  return {
    insertMessage: db.prepare('INSERT INTO messages (edge_message_id, body, properties, system_properties, size, ref_count) VALUES (?, ?, ?, ?, ?, ?)'),
    insertRef: db.prepare('INSERT INTO refs (queue_id, offset, message_seq, enqueued_at_ms, ttl_secs, expires_at_ms) VALUES (?, ?, ?, ?, ?, ?)'),
    insertQueue: db.prepare('INSERT INTO queues (endpoint_id, priority) VALUES (?, ?)'),
    saveNextOffset: db.prepare('UPDATE queues SET next_offset = ? WHERE id = ?'),
    saveCheckpoint: db.prepare('UPDATE queues SET checkpoint = ? WHERE id = ?'),
    readEntries: db.prepare(
      `SELECT r.offset, r.enqueued_at_ms, r.ttl_secs, m.edge_message_id, m.body, m.properties, m.system_properties
       FROM refs r JOIN messages m ON m.seq = r.message_seq
       WHERE r.queue_id = ? AND r.offset >= ? ORDER BY r.offset LIMIT ?`,
    ),
    // Retiring refs: the copies only this queue references go at once (their sizes returned for the byte count), the
    // shared ones lose one count each (a message has at most one ref per queue, checkDeliveries) and stay: > 1 before,
    // ≥ 1 after. Deleting first keeps a copy whose count the update takes to 1 from going too.
    deleteSoleUpTo: db
      .prepare<[number, number], number>('DELETE FROM messages WHERE ref_count = 1 AND seq IN (SELECT message_seq FROM refs WHERE queue_id = ? AND offset <= ?) RETURNING size')
      .pluck(),
    unrefSharedUpTo: db.prepare('UPDATE messages SET ref_count = ref_count - 1 WHERE ref_count > 1 AND seq IN (SELECT message_seq FROM refs WHERE queue_id = ? AND offset <= ?)'),
    deleteRefsUpTo: db.prepare('DELETE FROM refs WHERE queue_id = ? AND offset <= ?'),
    expiredRefs: db.prepare('SELECT queue_id, offset, message_seq FROM refs WHERE expires_at_ms < ? ORDER BY queue_id, offset'),
    unrefOne: db.prepare('UPDATE messages SET ref_count = ref_count - 1 WHERE seq = ?'),
    deleteExpiredRefs: db.prepare('DELETE FROM refs WHERE expires_at_ms < ?'),
    unreferencedTotals: db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS b FROM messages WHERE ref_count <= 0'),
    deleteUnreferenced: db.prepare('DELETE FROM messages WHERE ref_count <= 0'),
    allQueues: db.prepare('SELECT id, endpoint_id, priority, next_offset, checkpoint FROM queues'),
    refCounts: db.prepare('SELECT queue_id, COUNT(*) AS n, MAX(offset) AS last FROM refs GROUP BY queue_id'),
    messageTotals: db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS b FROM messages'),
  };
}

/** Turns a selected row back into a queue entry; its property records come from `records` (shared, frozen). */
export function entryFromRow(row: EntryRow, records: ParsedRecords): QueueEntry {
  const message: Message = {
    body: new Uint8Array(row.body.buffer, row.body.byteOffset, row.body.byteLength),
    properties: records.of(row.properties),
    systemProperties: records.of(row.system_properties),
  };
  return { offset: row.offset, edgeMessageId: row.edge_message_id, enqueuedAtMs: row.enqueued_at_ms, ttlSecs: row.ttl_secs, message };
}

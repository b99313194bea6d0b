import type { SqliteDatabase } from '@verge/platform';
import type { C2dFeedbackQueue, C2dQueue } from '../ports.js';
import type { C2dFeedbackRecord, C2dRecord } from '../records.js';
import type { SyncOf } from './sync-ports.js';
import { messageFromColumns, messageToColumns, type MessageColumns } from './message-columns.js';

interface C2dRow extends MessageColumns {
  id: string;
  device_id: string;
  enqueued_at: number;
  expires_at: number;
}

/** SQLite implementation of `C2dQueue`: one table, ordered per device by insertion. */
export function createSqliteC2dQueue(db: SqliteDatabase): SyncOf<C2dQueue> {
  const insert = db.prepare<[C2dRow]>(
    'INSERT INTO c2d_messages (id, device_id, body, properties, system_properties, enqueued_at, expires_at) VALUES (@id, @device_id, @body, @properties, @system_properties, @enqueued_at, @expires_at)',
  );
  const pending = db.prepare<[string, number], C2dRow>('SELECT * FROM c2d_messages WHERE device_id = ? AND expires_at > ? ORDER BY seq');
  const count = db.prepare<[string, number], { n: number }>('SELECT COUNT(*) AS n FROM c2d_messages WHERE device_id = ? AND expires_at > ?');
  const complete = db.prepare<[string, string], C2dRow>('DELETE FROM c2d_messages WHERE device_id = ? AND id = ? RETURNING *');
  const purge = db.prepare<[number], { device_id: string; system_properties: string }>('DELETE FROM c2d_messages WHERE expires_at <= ? RETURNING device_id, system_properties');
  const delAll = db.prepare<[string]>('DELETE FROM c2d_messages WHERE device_id = ?');
  return {
    enqueue: (r) =>
      void insert.run({ id: r.id, device_id: r.deviceId, enqueued_at: r.enqueuedAtMs, expires_at: r.expiresAtMs, ...messageToColumns(r.message) }),
    pending: (deviceId, nowMs) => pending.all(deviceId, nowMs).map(toRecord),
    countPending: (deviceId, nowMs) => count.get(deviceId, nowMs)?.n ?? 0,
    complete: (deviceId, id) => {
      const row = complete.get(deviceId, id);
      return row === undefined ? undefined : toRecord(row);
    },
    purgeExpired: (nowMs) => purge.all(nowMs).map((r) => ({ deviceId: r.device_id, systemProperties: JSON.parse(r.system_properties) as Record<string, string> })),
    deleteAll: (deviceId) => delAll.run(deviceId).changes,
  };
}

function toRecord(r: C2dRow): C2dRecord {
  return { id: r.id, deviceId: r.device_id, message: messageFromColumns(r), enqueuedAtMs: r.enqueued_at, expiresAtMs: r.expires_at };
}

/** SQLite implementation of `C2dFeedbackQueue`: one table, `seq` the insertion order. */
export function createSqliteC2dFeedbackQueue(db: SqliteDatabase): SyncOf<C2dFeedbackQueue> {
  const insert = db.prepare<[string, number]>('INSERT INTO c2d_feedback (record, added_at) VALUES (?, ?)');
  const oldest = db.prepare<[number], { seq: number; record: string }>('SELECT seq, record FROM c2d_feedback ORDER BY seq LIMIT ?');
  const remove = db.prepare<[number]>('DELETE FROM c2d_feedback WHERE seq = ?');
  const purge = db.prepare<[number]>('DELETE FROM c2d_feedback WHERE added_at < ?');
  const addAll = db.transaction((records: readonly C2dFeedbackRecord[], atMs: number) => {
    for (const r of records) insert.run(JSON.stringify(r), atMs);
  });
  const removeAll = db.transaction((seqs: readonly number[]) => seqs.reduce((n, seq) => n + remove.run(seq).changes, 0));
  return {
    add: (records, atMs) => void addAll(records, atMs),
    oldest: (limit) => oldest.all(limit).map((r) => ({ seq: r.seq, record: JSON.parse(r.record) as C2dFeedbackRecord })),
    remove: (seqs) => removeAll(seqs),
    purgeAddedBefore: (atMs) => purge.run(atMs).changes,
  };
}

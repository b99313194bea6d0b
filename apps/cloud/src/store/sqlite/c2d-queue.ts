import type { SqliteDatabase } from '@verge/platform';
import type { C2dQueue, ServiceBoundQueue } from '../ports.js';
import type { C2dRecord } from '../records.js';
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

/** SQLite implementation of a `ServiceBoundQueue`: the rows of one `kind` of table `service_bound`, `seq` the insertion order. */
export function createSqliteServiceBoundQueue<T>(db: SqliteDatabase, kind: string): SyncOf<ServiceBoundQueue<T>> {
  const insert = db.prepare<[string, string, number]>('INSERT INTO service_bound (kind, record, added_at) VALUES (?, ?, ?)');
  const oldest = db.prepare<[string, number], { seq: number; record: string }>('SELECT seq, record FROM service_bound WHERE kind = ? ORDER BY seq LIMIT ?');
  const remove = db.prepare<[string, number]>('DELETE FROM service_bound WHERE kind = ? AND seq = ?');
  const purge = db.prepare<[string, number]>('DELETE FROM service_bound WHERE kind = ? AND added_at < ?');
  const addAll = db.transaction((records: readonly T[], atMs: number) => {
    for (const r of records) insert.run(kind, JSON.stringify(r), atMs);
  });
  const removeAll = db.transaction((seqs: readonly number[]) => seqs.reduce((n, seq) => n + remove.run(kind, seq).changes, 0));
  return {
    add: (records, atMs) => void addAll(records, atMs),
    oldest: (limit) => oldest.all(kind, limit).map((r) => ({ seq: r.seq, record: JSON.parse(r.record) as T })),
    remove: (seqs) => removeAll(seqs),
    purgeAddedBefore: (atMs) => purge.run(kind, atMs).changes,
  };
}

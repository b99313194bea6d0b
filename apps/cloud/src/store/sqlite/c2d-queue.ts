import type { SqliteDatabase } from '@verge/platform';
import type { C2dQueue } from '../ports.js';
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
  const complete = db.prepare<[string, string]>('DELETE FROM c2d_messages WHERE device_id = ? AND id = ?');
  const purge = db.prepare<[number]>('DELETE FROM c2d_messages WHERE expires_at <= ?');
  const delAll = db.prepare<[string]>('DELETE FROM c2d_messages WHERE device_id = ?');
  return {
    enqueue: (r) =>
      void insert.run({ id: r.id, device_id: r.deviceId, enqueued_at: r.enqueuedAtMs, expires_at: r.expiresAtMs, ...messageToColumns(r.message) }),
    pending: (deviceId, nowMs) =>
      pending.all(deviceId, nowMs).map((r) => ({
        id: r.id,
        deviceId: r.device_id,
        message: messageFromColumns(r),
        enqueuedAtMs: r.enqueued_at,
        expiresAtMs: r.expires_at,
      })),
    countPending: (deviceId, nowMs) => count.get(deviceId, nowMs)?.n ?? 0,
    complete: (deviceId, id) => complete.run(deviceId, id).changes > 0,
    purgeExpired: (nowMs) => purge.run(nowMs).changes,
    deleteAll: (deviceId) => delAll.run(deviceId).changes,
  };
}

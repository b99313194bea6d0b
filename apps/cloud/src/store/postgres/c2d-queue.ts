import type { C2dQueue } from '../ports.js';
import type { C2dRecord } from '../records.js';
import { run, type PgQueryable } from './pg-queryable.js';

interface C2dRow {
  id: string;
  device_id: string;
  body: Buffer;
  properties: Record<string, string>;
  system_properties: Record<string, string>;
  enqueued_at: number;
  expires_at: number;
}

function toRecord(r: C2dRow): C2dRecord {
  return {
    id: r.id,
    deviceId: r.device_id,
    message: { body: r.body, properties: r.properties, systemProperties: r.system_properties },
    enqueuedAtMs: r.enqueued_at,
    expiresAtMs: r.expires_at,
  };
}

/** PostgreSQL implementation of `C2dQueue`: one table, ordered per device by insertion (`seq`). */
export function createPgC2dQueue(db: PgQueryable): C2dQueue {
  return {
    async enqueue(r) {
      await run(
        db,
        'c2d-enqueue',
        'INSERT INTO c2d_messages (id, device_id, body, properties, system_properties, enqueued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [r.id, r.deviceId, r.message.body, JSON.stringify(r.message.properties), JSON.stringify(r.message.systemProperties), r.enqueuedAtMs, r.expiresAtMs],
      );
    },
    async pending(deviceId, nowMs) {
      const { rows } = await run<C2dRow>(db, 'c2d-pending', 'SELECT * FROM c2d_messages WHERE device_id = $1 AND expires_at > $2 ORDER BY seq', [deviceId, nowMs]);
      return rows.map(toRecord);
    },
    async countPending(deviceId, nowMs) {
      const { rows } = await run<{ n: number }>(db, 'c2d-count', 'SELECT COUNT(*)::int AS n FROM c2d_messages WHERE device_id = $1 AND expires_at > $2', [deviceId, nowMs]);
      return rows[0]?.n ?? 0;
    },
    complete: async (deviceId, id) => ((await run(db, 'c2d-complete', 'DELETE FROM c2d_messages WHERE device_id = $1 AND id = $2', [deviceId, id])).rowCount ?? 0) > 0,
    purgeExpired: async (nowMs) => (await run(db, 'c2d-purge', 'DELETE FROM c2d_messages WHERE expires_at <= $1', [nowMs])).rowCount ?? 0,
    deleteAll: async (deviceId) => (await run(db, 'c2d-delete-all', 'DELETE FROM c2d_messages WHERE device_id = $1', [deviceId])).rowCount ?? 0,
  };
}

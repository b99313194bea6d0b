import type { C2dQueue, ServiceBoundQueue } from '../ports.js';
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
    async complete(deviceId, id) {
      const { rows } = await run<C2dRow>(db, 'c2d-complete', 'DELETE FROM c2d_messages WHERE device_id = $1 AND id = $2 RETURNING *', [deviceId, id]);
      return rows[0] === undefined ? undefined : toRecord(rows[0]);
    },
    async purgeExpired(nowMs) {
      const { rows } = await run<{ device_id: string; system_properties: Record<string, string> }>(db, 'c2d-purge', 'DELETE FROM c2d_messages WHERE expires_at <= $1 RETURNING device_id, system_properties', [nowMs]);
      return rows.map((r) => ({ deviceId: r.device_id, systemProperties: r.system_properties }));
    },
    deleteAll: async (deviceId) => (await run(db, 'c2d-delete-all', 'DELETE FROM c2d_messages WHERE device_id = $1', [deviceId])).rowCount ?? 0,
  };
}

/** PostgreSQL implementation of a `ServiceBoundQueue`: the rows of one `kind` of table `service_bound`, `seq` the insertion order. */
export function createPgServiceBoundQueue<T>(db: PgQueryable, kind: string): ServiceBoundQueue<T> {
  return {
    async add(records, atMs) {
      if (records.length === 0) return;
      await run(db, 'service-bound-add', 'INSERT INTO service_bound (kind, record, added_at) SELECT $1, r, $3 FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(r, n) ORDER BY n', [kind, JSON.stringify(records), atMs]);
    },
    async oldest(limit) {
      const { rows } = await run<{ seq: string; record: T }>(db, 'service-bound-oldest', 'SELECT seq, record FROM service_bound WHERE kind = $1 ORDER BY seq LIMIT $2', [kind, limit]);
      return rows.map((r) => ({ seq: Number(r.seq), record: r.record }));
    },
    remove: async (seqs) => (seqs.length === 0 ? 0 : ((await run(db, 'service-bound-remove', 'DELETE FROM service_bound WHERE kind = $1 AND seq = ANY($2::bigint[])', [kind, seqs])).rowCount ?? 0)),
    purgeAddedBefore: async (atMs) => (await run(db, 'service-bound-purge', 'DELETE FROM service_bound WHERE kind = $1 AND added_at < $2', [kind, atMs])).rowCount ?? 0,
  };
}

import type { JobRepository } from '../ports.js';
import { pgCodec } from '../rows.js';
import { jobColumns, jobDeviceFromRow, jobFromRow, jobValues, jsonText } from '../rows-jobs.js';
import { recordWrites, run, writeRecord, type PgQueryable } from './pg-queryable.js';

const writes = recordWrites('jobs', jobColumns, ['job_id']);

/** PostgreSQL implementation of `JobRepository`: payloads and counts as `jsonb`; device rows written in one statement per batch (`unnest`). */
export function createPgJobRepository(db: PgQueryable): JobRepository {
  return {
    async get(jobId) {
      const { rows } = await run(db, 'jobs-get', 'SELECT * FROM jobs WHERE job_id = $1', [jobId]);
      return rows[0] === undefined ? undefined : jobFromRow(rows[0], pgCodec);
    },
    async list({ type, statuses, afterJobId, limit }) {
      const { rows } = await run(
        db,
        'jobs-list',
        `SELECT * FROM jobs WHERE ($1::text IS NULL OR type = $1) AND ($2::text[] IS NULL OR status = ANY($2)) AND ($3::text IS NULL OR job_id > $3)
         ORDER BY job_id LIMIT $4`,
        [type ?? null, statuses === undefined ? null : [...statuses], afterJobId ?? null, limit],
      );
      return rows.map((r) => jobFromRow(r, pgCodec));
    },
    put: (record, condition) => writeRecord(db, 'jobs', writes, jobValues(record), condition, `job '${record.jobId}'`),
    async addDevices(jobId, deviceIds, atMs) {
      if (deviceIds.length === 0) return;
      await run(
        db,
        'jobs-add-devices',
        `INSERT INTO job_devices (job_id, device_id, status, outcome, error, updated_at)
         SELECT $1, d, 'pending', NULL, NULL, $3 FROM unnest($2::text[]) AS d ON CONFLICT (job_id, device_id) DO NOTHING`,
        [jobId, [...deviceIds], atMs],
      );
    },
    async devices(jobId, { status, afterDeviceId, limit }) {
      const { rows } = await run(
        db,
        'jobs-devices',
        `SELECT * FROM job_devices WHERE job_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR device_id > $3)
         ORDER BY device_id LIMIT $4`,
        [jobId, status ?? null, afterDeviceId ?? null, limit],
      );
      return rows.map((r) => jobDeviceFromRow(r, pgCodec));
    },
    async putDeviceOutcomes(records) {
      if (records.length === 0) return;
      await run(
        db,
        'jobs-put-outcomes',
        `UPDATE job_devices AS j SET status = u.status, outcome = u.outcome::jsonb, error = u.error::jsonb, updated_at = u.updated_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS u(job_id, device_id, status, outcome, error, updated_at)
         WHERE j.job_id = u.job_id AND j.device_id = u.device_id`,
        [
          records.map((r) => r.jobId),
          records.map((r) => r.deviceId),
          records.map((r) => r.status),
          records.map((r) => jsonText(r.outcome)),
          records.map((r) => jsonText(r.error)),
          records.map((r) => r.updatedAtMs),
        ],
      );
    },
    async countDevices(jobId) {
      const { rows } = await run<{ status: string; n: number }>(db, 'jobs-count-devices', 'SELECT status, COUNT(*)::bigint AS n FROM job_devices WHERE job_id = $1 GROUP BY status', [jobId]);
      const by = new Map(rows.map((r) => [r.status, r.n]));
      return { pending: by.get('pending') ?? 0, completed: by.get('completed') ?? 0, failed: by.get('failed') ?? 0 };
    },
  };
}

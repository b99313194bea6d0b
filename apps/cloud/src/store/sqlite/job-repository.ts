import type { SqliteDatabase } from '@verge/platform';
import type { JobRepository } from '../ports.js';
import type { JobDeviceRecord, JobRecord } from '../records.js';
import { sqliteCodec, type Row } from '../rows.js';
import { jobColumns, jobDeviceFromRow, jobFromRow, jobValues, jsonText } from '../rows-jobs.js';
import type { SyncOf } from './sync-ports.js';
import { upsertSql } from './upsert-sql.js';
import { writeIf } from './write-condition.js';

const toRecord = (r: Row): JobRecord => jobFromRow(r, sqliteCodec);

/** SQLite implementation of `JobRepository` (payloads and counts as JSON text). */
export function createSqliteJobRepository(db: SqliteDatabase): SyncOf<JobRepository> {
  const get = db.prepare<[string], Row>('SELECT * FROM jobs WHERE job_id = ?');
  const etagOf = db.prepare<[string], { etag: string }>('SELECT etag FROM jobs WHERE job_id = ?');
  const put = db.prepare<unknown[]>(upsertSql('jobs', jobColumns, ['job_id']));
  const addDevice = db.prepare<[string, string, number]>(
    "INSERT OR IGNORE INTO job_devices (job_id, device_id, status, outcome, error, updated_at) VALUES (?, ?, 'pending', NULL, NULL, ?)",
  );
  const addDevices = db.transaction((jobId: string, ids: readonly string[], atMs: number) => {
    for (const id of ids) addDevice.run(jobId, id, atMs);
  });
  const putOutcome = db.prepare<[string, string | null, string | null, number, string, string]>(
    'UPDATE job_devices SET status = ?, outcome = ?, error = ?, updated_at = ? WHERE job_id = ? AND device_id = ?',
  );
  const putOutcomes = db.transaction((records: readonly JobDeviceRecord[]) => {
    for (const r of records) putOutcome.run(r.status, jsonText(r.outcome), jsonText(r.error), r.updatedAtMs, r.jobId, r.deviceId);
  });
  const counts = db.prepare<[string], { status: string; n: number }>('SELECT status, COUNT(*) AS n FROM job_devices WHERE job_id = ? GROUP BY status');
  return {
    get: (jobId) => {
      const row = get.get(jobId);
      return row === undefined ? undefined : toRecord(row);
    },
    list: ({ type, statuses, afterJobId, limit }) => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (type !== undefined) {
        where.push('type = ?');
        args.push(type);
      }
      if (statuses !== undefined) {
        where.push(`status IN (${statuses.map(() => '?').join(', ') || 'NULL'})`);
        args.push(...statuses);
      }
      if (afterJobId !== undefined) {
        where.push('job_id > ?');
        args.push(afterJobId);
      }
      const sql = `SELECT * FROM jobs ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY job_id LIMIT ?`;
      return db.prepare<unknown[], Row>(sql).all(...args, limit).map(toRecord);
    },
    put: (record, condition) =>
      writeIf(db, condition, `job '${record.jobId}'`, () => etagOf.get(record.jobId)?.etag, () => void put.run(...jobValues(record))),
    addDevices: (jobId, ids, atMs) => addDevices(jobId, ids, atMs),
    devices: (jobId, { status, afterDeviceId, limit }) => {
      const where = ['job_id = ?'];
      const args: unknown[] = [jobId];
      if (status !== undefined) {
        where.push('status = ?');
        args.push(status);
      }
      if (afterDeviceId !== undefined) {
        where.push('device_id > ?');
        args.push(afterDeviceId);
      }
      return db
        .prepare<unknown[], Row>(`SELECT * FROM job_devices WHERE ${where.join(' AND ')} ORDER BY device_id LIMIT ?`)
        .all(...args, limit)
        .map((r) => jobDeviceFromRow(r, sqliteCodec));
    },
    putDeviceOutcomes: (records) => putOutcomes(records),
    countDevices: (jobId) => {
      const by = new Map(counts.all(jobId).map((r) => [r.status, r.n]));
      return { pending: by.get('pending') ?? 0, completed: by.get('completed') ?? 0, failed: by.get('failed') ?? 0 };
    },
  };
}

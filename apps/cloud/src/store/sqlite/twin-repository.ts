import type { JsonObject, TwinCollection } from '@verge/core';
import type { SqliteDatabase } from '@verge/platform';
import type { TwinRepository } from '../ports.js';
import type { SyncOf } from './sync-ports.js';
import { writeIf } from './write-condition.js';
import type { TwinRecord } from '../records.js';
import { sqliteCodec, twinConfigurationsColumn, twinConfigurationsFromColumn } from '../rows.js';

interface TwinRow {
  device_id: string;
  module_id: string;
  etag: string;
  version: number;
  tags: string;
  desired: string;
  reported: string;
  configurations: string | null;
}

function toRecord(r: TwinRow): TwinRecord {
  return {
    deviceId: r.device_id,
    ...(r.module_id === '' ? {} : { moduleId: r.module_id }),
    etag: r.etag,
    version: r.version,
    tags: JSON.parse(r.tags) as JsonObject,
    properties: { desired: JSON.parse(r.desired) as TwinCollection, reported: JSON.parse(r.reported) as TwinCollection },
    ...twinConfigurationsFromColumn(r.configurations, sqliteCodec),
  };
}

function toRow(t: TwinRecord): TwinRow {
  return {
    device_id: t.deviceId,
    module_id: t.moduleId ?? '',
    etag: t.etag,
    version: t.version,
    tags: JSON.stringify(t.tags),
    desired: JSON.stringify(t.properties.desired),
    reported: JSON.stringify(t.properties.reported),
    configurations: twinConfigurationsColumn(t),
  };
}

/** SQLite implementation of `TwinRepository` (sections as JSON text; `module_id = ''` is the device twin). */
export function createSqliteTwinRepository(db: SqliteDatabase): SyncOf<TwinRepository> {
  const get = db.prepare<[string, string], TwinRow>('SELECT * FROM twins WHERE device_id = ? AND module_id = ?');
  const etagOf = db.prepare<[string, string], { etag: string }>('SELECT etag FROM twins WHERE device_id = ? AND module_id = ?');
  const put = db.prepare<[TwinRow]>(
    'INSERT OR REPLACE INTO twins (device_id, module_id, etag, version, tags, desired, reported, configurations) VALUES (@device_id, @module_id, @etag, @version, @tags, @desired, @reported, @configurations)',
  );
  const del = db.prepare<[string, string]>('DELETE FROM twins WHERE device_id = ? AND module_id = ?');
  const delAll = db.prepare<[string]>('DELETE FROM twins WHERE device_id = ?');
  const devices = db.prepare<[], TwinRow>("SELECT * FROM twins WHERE module_id = '' ORDER BY device_id");
  const modules = db.prepare<[], TwinRow>("SELECT * FROM twins WHERE module_id <> '' ORDER BY device_id, module_id");
  return {
    get: (id) => {
      const row = get.get(id.deviceId, id.moduleId ?? '');
      return row === undefined ? undefined : toRecord(row);
    },
    put: (record, condition) => {
      const what = record.moduleId === undefined ? `the twin of device '${record.deviceId}'` : `the twin of module '${record.deviceId}/${record.moduleId}'`;
      writeIf(db, condition, what, () => etagOf.get(record.deviceId, record.moduleId ?? '')?.etag, () => void put.run(toRow(record)));
    },
    delete: (id) => del.run(id.deviceId, id.moduleId ?? '').changes > 0,
    deleteAll: (deviceId) => delAll.run(deviceId).changes,
    all: ({ modules: m }) => (m ? modules : devices).all().map(toRecord),
  };
}

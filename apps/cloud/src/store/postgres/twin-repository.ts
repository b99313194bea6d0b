import type { JsonObject, TwinCollection } from '@verge/core';
import type { TwinRepository } from '../ports.js';
import type { TwinRecord } from '../records.js';
import { pgCodec, twinConfigurationsColumn, twinConfigurationsFromColumn } from '../rows.js';
import { recordWrites, run, writeRecord, type PgQueryable } from './pg-queryable.js';

interface TwinRow {
  device_id: string;
  module_id: string;
  etag: string;
  version: number;
  tags: JsonObject;
  desired: TwinCollection;
  reported: TwinCollection;
  configurations: unknown;
}

const columns = ['device_id', 'module_id', 'etag', 'version', 'tags', 'desired', 'reported', 'configurations'] as const;
const writes = recordWrites('twins', columns, ['device_id', 'module_id']);

function toRecord(r: TwinRow): TwinRecord {
  return {
    deviceId: r.device_id,
    ...(r.module_id === '' ? {} : { moduleId: r.module_id }),
    etag: r.etag,
    version: r.version,
    tags: r.tags,
    properties: { desired: r.desired, reported: r.reported },
    ...twinConfigurationsFromColumn(r.configurations, pgCodec),
  };
}

// Sections go as JSON text (pg would send a JS array as a PostgreSQL array, not as JSON).
function toValues(t: TwinRecord): unknown[] {
  return [
    t.deviceId,
    t.moduleId ?? '',
    t.etag,
    t.version,
    JSON.stringify(t.tags),
    JSON.stringify(t.properties.desired),
    JSON.stringify(t.properties.reported),
    twinConfigurationsColumn(t),
  ];
}

/**
 * PostgreSQL implementation of `TwinRepository`: sections as `jsonb` (`module_id = ''` is the device twin). jsonb
 * keeps values, not the key order of objects; twins are compared by content, never by key order.
 */
export function createPgTwinRepository(db: PgQueryable): TwinRepository {
  return {
    async get(id) {
      const { rows } = await run<TwinRow>(db, 'twins-get', 'SELECT * FROM twins WHERE device_id = $1 AND module_id = $2', [id.deviceId, id.moduleId ?? '']);
      return rows[0] === undefined ? undefined : toRecord(rows[0]);
    },
    put: (record, condition) => {
      const what = record.moduleId === undefined ? `the twin of device '${record.deviceId}'` : `the twin of module '${record.deviceId}/${record.moduleId}'`;
      return writeRecord(db, 'twins', writes, toValues(record), condition, what);
    },
    delete: async (id) =>
      ((await run(db, 'twins-delete', 'DELETE FROM twins WHERE device_id = $1 AND module_id = $2', [id.deviceId, id.moduleId ?? ''])).rowCount ?? 0) > 0,
    deleteAll: async (deviceId) => (await run(db, 'twins-delete-all', 'DELETE FROM twins WHERE device_id = $1', [deviceId])).rowCount ?? 0,
    async all({ modules }) {
      const { rows } = modules
        ? await run<TwinRow>(db, 'twins-all-modules', "SELECT * FROM twins WHERE module_id <> '' ORDER BY device_id, module_id")
        : await run<TwinRow>(db, 'twins-all-devices', "SELECT * FROM twins WHERE module_id = '' ORDER BY device_id");
      return rows.map(toRecord);
    },
  };
}

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isVergeError, type VergeError } from '@verge/contracts';
import { createTwin, twinEtag } from '@verge/core';
import { freePort } from '@verge/testkit';
import type { TwinRecord } from '../../src/store/records.js';
import { openPostgresCloudStore, type PostgresCloudStore } from '../../src/store/postgres/postgres-cloud-store.js';
import { pgCloudMigrations } from '../../src/store/postgres/pg-migrations.js';
import { usePgStores } from './pg-store-fixture.js';
import { PG_TEST_URL } from './postgres-test-schema.js';

// What only the PostgreSQL store has to prove: several instances on one database (migrations, etag races, the
// telemetry group commit across connections) and start-up failures. The shared behaviour is the contract suite.

const { freshSchema, openStore } = usePgStores();

async function rejection(p: Promise<unknown>): Promise<VergeError> {
  try {
    await p;
  } catch (e) {
    if (isVergeError(e)) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

const msg = (text: string) => ({ body: new TextEncoder().encode(text), properties: { k: 'v' }, systemProperties: { messageId: text } });
const device = (deviceId: string) => ({
  deviceId,
  generationId: '1',
  etag: 'e1',
  status: 'enabled' as const,
  statusReason: null,
  statusUpdatedAtMs: 1,
  authentication: { type: 'sas' as const, primaryKey: 'p', secondaryKey: 's' },
  isEdge: false,
  parentDeviceId: null,
  connectionState: 'Disconnected' as const,
  connectionStateUpdatedAtMs: null,
  lastActivityAtMs: null,
  createdAtMs: 1,
});

async function adminQuery<R extends pg.QueryResultRow>(schema: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL cloud store: several instances on one database', () => {
  it('applies each migration once when two instances start at the same moment', async () => {
    const s = await freshSchema();
    const [a, b] = await Promise.all([openStore(s), openStore(s)]);
    const applied = [a.migrations.applied, b.migrations.applied].sort((x, y) => y.length - x.length);
    expect(applied[0]).toHaveLength(pgCloudMigrations.length);
    expect(applied[1]).toEqual([]);
    const rows = await adminQuery<{ version: number }>(s.schema, 'SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(pgCloudMigrations.map((m) => m.version));
    const again = await openStore(s);
    expect(again.migrations).toMatchObject({ from: pgCloudMigrations.length, applied: [] });
  });

  it('lets exactly one of two instances win a conditional twin write; the other gets CLD_STORE_CONFLICT', async () => {
    const s = await freshSchema();
    const [a, b] = await Promise.all([openStore(s), openStore(s)]);
    await a.devices.put(device('d'));
    const t = createTwin({ deviceId: 'd' });
    const first: TwinRecord = { ...t, etag: twinEtag(t.version) };
    await a.twins.put(first, { ifAbsent: true });
    const write = (store: PostgresCloudStore, tag: string) =>
      store.twins.put({ ...first, tags: { by: tag }, version: first.version + 1, etag: twinEtag(first.version + 1) + tag }, { ifEtag: first.etag });
    const results = await Promise.allSettled([write(a, 'a'), write(b, 'b')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = results.find((r) => r.status === 'rejected');
    expect(isVergeError(lost?.reason, 'CLD_STORE_CONFLICT')).toBe(true);
    const stored = await b.twins.get({ deviceId: 'd' });
    expect(stored?.etag).toBe(twinEtag(first.version + 1) + String(stored?.tags['by']));
    expect(isVergeError(await rejection(a.twins.put(first, { ifAbsent: true })), 'CLD_STORE_CONFLICT')).toBe(true);
  });

  it('loses no read-modify-write when two instances patch one twin many times at once', async () => {
    const s = await freshSchema();
    const [a, b] = await Promise.all([openStore(s), openStore(s)]);
    await a.devices.put(device('d'));
    const t = createTwin({ deviceId: 'd' });
    await a.twins.put({ ...t, etag: twinEtag(t.version) }, { ifAbsent: true });
    // The services' loop (read, change, conditional write, retry on conflict), written out on the store.
    const addTag = async (store: PostgresCloudStore, key: string) => {
      for (;;) {
        const cur = await store.twins.get({ deviceId: 'd' });
        if (cur === undefined) throw new Error('twin vanished');
        const next = { ...cur, tags: { ...cur.tags, [key]: true }, version: cur.version + 1, etag: twinEtag(cur.version + 1) };
        try {
          await store.twins.put(next, { ifEtag: cur.etag });
          return;
        } catch (e) {
          if (!isVergeError(e, 'CLD_STORE_CONFLICT')) throw e;
        }
      }
    };
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k, i) => addTag(i % 2 === 0 ? a : b, k)));
    const final = await a.twins.get({ deviceId: 'd' });
    expect(Object.keys(final?.tags ?? {}).sort()).toEqual([...keys].sort());
    expect(final?.version).toBe(t.version + keys.length);
  });

  it('commits transactions whole or not at all, with repositories bound to the transaction', async () => {
    const s = await freshSchema();
    const store = await openStore(s);
    await expect(
      store.transaction(async (tx) => {
        await tx.devices.put(device('d'));
        expect(await tx.devices.get('d')).toBeDefined();
        expect(await store.devices.get('d')).toBeUndefined(); // not visible outside before COMMIT
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.devices.get('d')).toBeUndefined();
    await store.transaction(async (tx) => {
      await tx.devices.put(device('d'));
      await tx.c2d.enqueue({ id: 'x', deviceId: 'd', message: msg('x'), enqueuedAtMs: 1, expiresAtMs: 100 });
    });
    expect(await store.c2d.countPending('d', 0)).toBe(1);
  });
});

describe('PostgreSQL cloud store: telemetry group commit', () => {
  it('commits appends made together in batches, one transaction per batch, in call order', async () => {
    const s = await freshSchema();
    const store = await openStore(s, { telemetry: { maxBatch: 50, maxInFlight: 2 } });
    // Full batches flush at once, so many are in flight together: their sequence numbers must still follow call order.
    const records = await Promise.all(Array.from({ length: 1020 }, (_, i) => store.telemetry.append({ deviceId: 'd', enqueuedAtMs: i, message: msg(`m${i}`) })));
    const seqs = records.map((r) => r.sequenceNumber);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
    // xmin is the id of the transaction that inserted a row: 1020 appends went in 21 batches (50 × 20 + 20).
    const tx = await adminQuery<{ n: number }>(s.schema, 'SELECT COUNT(DISTINCT xmin::text)::int AS n FROM telemetry');
    expect(tx[0]?.n).toBe(21);
    expect(await store.telemetry.stats()).toMatchObject({ count: 1020, lastSequence: seqs[1019] });
    const byId = await store.telemetry.recent({}, 1, (seqs[10] ?? 0) + 1);
    expect(byId[0]?.message.systemProperties['messageId']).toBe('m10');
  });

  it('resolves an append only when another connection can already read the row', async () => {
    const s = await freshSchema();
    const store = await openStore(s);
    const r = await store.telemetry.append({ deviceId: 'd', moduleId: 'm', enqueuedAtMs: 5, message: msg('durable') });
    const rows = await adminQuery<{ seq: number }>(s.schema, 'SELECT seq::int AS seq FROM telemetry');
    expect(rows).toEqual([{ seq: r.sequenceNumber }]);
  });

  it('rejects every append of a failed batch and stores none of it; later batches go on', async () => {
    const s = await freshSchema();
    const store = await openStore(s);
    // PostgreSQL text cannot hold NUL: this entry fails its whole batch.
    const results = await Promise.allSettled([
      store.telemetry.append({ deviceId: 'good', enqueuedAtMs: 1, message: msg('a') }),
      store.telemetry.append({ deviceId: 'bad\u0000', enqueuedAtMs: 1, message: msg('b') }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await store.telemetry.stats()).toMatchObject({ count: 0, lastSequence: 0 });
    const ok = await store.telemetry.append({ deviceId: 'good', enqueuedAtMs: 2, message: msg('c') });
    expect(await store.telemetry.stats()).toMatchObject({ count: 1, lastSequence: ok.sequenceNumber });
  });

  it('keeps the retention totals right when two instances append and prune at once', async () => {
    const s = await freshSchema();
    const [a, b] = await Promise.all([openStore(s), openStore(s)]);
    const append = (store: PostgresCloudStore, n: number, tag: string) =>
      Promise.all(Array.from({ length: n }, (_, i) => store.telemetry.append({ deviceId: tag, enqueuedAtMs: i, message: msg(`${tag}${i}`) })));
    await Promise.all([append(a, 200, 'a'), append(b, 200, 'b')]);
    const [da, db] = await Promise.all([
      a.telemetry.prune({ maxCount: 150, maxBytes: 1e12, olderThanMs: 0 }),
      b.telemetry.prune({ maxCount: 150, maxBytes: 1e12, olderThanMs: 0 }),
    ]);
    expect(da + db).toBe(250);
    const counted = await adminQuery<{ n: number; b: number }>(s.schema, 'SELECT COUNT(*)::int AS n, SUM(size)::int AS b FROM telemetry');
    expect(await a.telemetry.stats()).toMatchObject({ count: 150, bytes: counted[0]?.b });
  });
});

describe('PostgreSQL cloud store: start-up failures name the problem', () => {
  it('refuses a URL that is not postgres:// with CLD_DATABASE_URL_INVALID, password hidden', async () => {
    const e = await rejection(openPostgresCloudStore({ url: 'mysql://admin:s3cret@127.0.0.1/db' }));
    expect(e.code).toBe('CLD_DATABASE_URL_INVALID');
    expect(e.message).toContain('postgres://');
    expect(e.message).not.toContain('s3cret');
  });

  it('hides a password holding characters a URL must encode (/, #, ?, @), even in a URL it refuses', async () => {
    for (const password of ['s3c/ret', 'a#b/c', 'x?y/z', 'b64+/==', 'p@ss/w0rd']) {
      const e = await rejection(openPostgresCloudStore({ url: `postgres://admin:${password}@127.0.0.1:5432/db` }));
      expect(e.code).toBe('CLD_DATABASE_URL_INVALID');
      expect(e.message).toBe('invalid database URL postgres://admin:***@127.0.0.1:5432/db: expected postgres://[user[:password]@]host[:port]/database');
      expect(JSON.stringify(e.details)).not.toContain(password);
    }
  });

  it('fails with CLD_DATABASE_UNAVAILABLE naming the server when nothing listens there', async () => {
    const port = await freePort();
    const e = await rejection(openPostgresCloudStore({ url: `postgres://u:s3cret@127.0.0.1:${port}/test` }));
    expect(e.code).toBe('CLD_DATABASE_UNAVAILABLE');
    expect(e.message).toContain(`127.0.0.1:${port}/test`);
    expect(e.message).toContain('ECONNREFUSED');
    expect(e.message).not.toContain('s3cret');
  });

  it('fails with CLD_DATABASE_UNAVAILABLE naming a database that does not exist', async () => {
    const u = new URL(PG_TEST_URL);
    u.pathname = '/verge_no_such_database';
    const e = await rejection(openPostgresCloudStore({ url: u.toString() }));
    expect(e.code).toBe('CLD_DATABASE_UNAVAILABLE');
    expect(e.message).toContain('"verge_no_such_database" does not exist');
  });
});

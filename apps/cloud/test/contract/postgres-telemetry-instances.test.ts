import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { eventually } from '@verge/testkit';
import type { PostgresCloudStore } from '../../src/store/postgres/postgres-cloud-store.js';
import { runPgMigrations } from '../../src/store/postgres/pg-migration-runner.js';
import { openPgPool } from '../../src/store/postgres/pg-pool.js';
import { pgCloudMigrations } from '../../src/store/postgres/pg-migrations.js';
import type { TelemetryRecord } from '../../src/store/records.js';
import { usePgStores } from './pg-store-fixture.js';
import { PG_TEST_URL, type PgTestSchema } from './postgres-test-schema.js';

// Telemetry ingest of several instances on one schema without a lock between them (ARCHITECTURE.md, "Telemetry
// ingest across instances"): reservations, the readers' horizon, sharded totals, retention, migration 4.

const { freshSchema, openStore, onCleanup } = usePgStores();

/** A plain connection on the schema: "another instance" writing raw rows, or an operator looking. */
async function adminClient(s: PgTestSchema): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, options: `-c search_path=${s.schema}` });
  await client.connect();
  onCleanup(() => client.end());
  return client;
}

/**
 * A store whose batches stop between INSERT and COMMIT while held: "an instance" with a batch still open. Its totals
 * shards are 0 and 1, the other stores of these tests (`openOtherStore`) use 8 and 9: a batch on the held batch's shard
 * would wait for its COMMIT (by design: sharing a shard only waits), which these tests hold until that batch is done.
 * Left to chance (each store draws its first shard), they hung one run in sixteen.
 */
const HOLDING_SHARD = 0;
const OTHER_SHARD = 8;
/** Another instance next to a {@link HoldingStore}, on totals shards of its own. */
const openOtherStore = (s: PgTestSchema) => openStore(s, { telemetry: { firstShard: OTHER_SHARD } });

/** A store whose batches can be held open between INSERT and COMMIT (see above). */
interface HoldingStore {
  readonly store: PostgresCloudStore;
  /** From now on, batches wait after their INSERT until `release()`. */
  hold(): void;
  /** Resolves once a batch reached its INSERT since the last `hold()`. */
  inserted(): Promise<void>;
  release(): void;
}

async function openHoldingStore(s: PgTestSchema): Promise<HoldingStore> {
  let gate: Promise<void> | undefined;
  let open = (): void => undefined;
  let reached = (): void => undefined;
  let inserted = Promise.resolve();
  const store = await openStore(s, {
    telemetry: {
      firstShard: HOLDING_SHARD,
      afterInsert: async () => {
        reached();
        if (gate !== undefined) await gate;
      },
    },
  });
  return {
    store,
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
      inserted = new Promise<void>((resolve) => (reached = resolve));
    },
    inserted: () => inserted,
    release() {
      gate = undefined;
      open();
    },
  };
}

const msg = (text: string) => ({ body: new TextEncoder().encode(text), properties: { k: 'v' }, systemProperties: { messageId: text } });
const ids = (records: readonly TelemetryRecord[]) => records.map((r) => r.message.systemProperties['messageId']);
const append = (store: PostgresCloudStore, id: string, deviceId = 'd') => store.telemetry.append({ deviceId, enqueuedAtMs: 1, message: msg(id) });

/** Every row a reader gets by paging with `after` from `from` until a page comes back empty. */
async function readAll(store: PostgresCloudStore, from = 0): Promise<TelemetryRecord[]> {
  const all: TelemetryRecord[] = [];
  for (let cursor = from; ; ) {
    const page = await store.telemetry.after({}, cursor, 500);
    if (page.length === 0) return all;
    all.push(...page);
    cursor = page.at(-1)?.sequenceNumber ?? cursor;
  }
}

async function tableTotals(client: pg.Client): Promise<{ count: number; bytes: number; last: number }> {
  const { rows } = await client.query<{ count: number; bytes: number; last: number }>(
    'SELECT COUNT(*)::int AS count, COALESCE(SUM(size), 0)::int AS bytes, COALESCE(MAX(seq), 0)::int AS last FROM telemetry',
  );
  return rows[0] ?? { count: 0, bytes: 0, last: 0 };
}

describe('PostgreSQL telemetry: several instances append without a lock between them', () => {
  it('stores and shows every append of three instances appending at once, totals summed over the shards', async () => {
    const s = await freshSchema();
    const stores = await Promise.all([0, 1, 2].map(() => openStore(s, { telemetry: { maxBatch: 7 } })));
    const admin = await adminClient(s);
    // A reader pages with `after` while the instances append: what it collects must be everything, no row skipped.
    const seen: TelemetryRecord[] = [];
    let appending = true;
    const reader = (async () => {
      let cursor = 0;
      while (appending) {
        const page = await stores[0]!.telemetry.after({}, cursor, 200);
        seen.push(...page);
        cursor = page.at(-1)?.sequenceNumber ?? cursor;
      }
      seen.push(...(await readAll(stores[0]!, cursor)));
    })();
    const appended: TelemetryRecord[][] = [[], [], []];
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        stores.map(async (store, i) => {
          const records = await Promise.all(Array.from({ length: 150 }, (_, k) => append(store, `s${i}-r${round}-${k}`, `dev${i}`)));
          appended[i]!.push(...records);
        }),
      );
    }
    appending = false;
    await reader;
    const all = appended.flat();
    expect(seen.map((r) => r.sequenceNumber)).toEqual(all.map((r) => r.sequenceNumber).sort((a, b) => a - b));
    expect(new Set(ids(seen)).size).toBe(all.length);
    // One device's messages (all on one instance) keep their order in the sequence.
    for (const records of appended) expect(records.every((r, k) => k === 0 || r.sequenceNumber > records[k - 1]!.sequenceNumber)).toBe(true);
    const table = await tableTotals(admin);
    expect(await stores[1]!.telemetry.stats()).toEqual({ count: table.count, bytes: table.bytes, lastSequence: table.last });
    expect(table.count).toBe(1800);
    const shards = await admin.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM telemetry_totals_shards WHERE count > 0');
    expect(shards.rows[0]?.n).toBeGreaterThan(1);
    expect((await admin.query('SELECT * FROM telemetry_pending')).rows).toEqual([]);
  });

  it('holds readers below a batch still open: after(), recent() and lastSequence pass it only once it commits', async () => {
    const s = await freshSchema();
    const a = await openHoldingStore(s);
    const b = await openOtherStore(s);
    const first = await append(b, 'first');
    a.hold();
    const held = append(a.store, 'held');
    await a.inserted();
    // Another instance's batch takes higher numbers and commits; the append resolves (its row is durable) ...
    const later = await append(b, 'later');
    const admin = await adminClient(s);
    expect((await tableTotals(admin)).last).toBe(later.sequenceNumber);
    // ... but no reader passes the open batch's numbers: resuming after `first` later must not skip `held`.
    expect(ids(await b.telemetry.after({}, first.sequenceNumber, 10))).toEqual([]);
    expect(ids(await a.store.telemetry.after({}, 0, 10))).toEqual(['first']);
    expect(ids(await b.telemetry.recent({}, 10))).toEqual(['first']);
    expect((await b.telemetry.stats()).lastSequence).toBe(first.sequenceNumber);
    a.release();
    const h = await held;
    expect(h.sequenceNumber).toBeLessThan(later.sequenceNumber);
    expect(ids(await b.telemetry.after({}, first.sequenceNumber, 10))).toEqual(['held', 'later']);
    expect(ids(await b.telemetry.recent({}, 10))).toEqual(['first', 'held', 'later']);
    expect((await b.telemetry.stats()).lastSequence).toBe(later.sequenceNumber);
  });

  it('lets readers pass a reservation whose connection is gone (an instance died mid-batch) at once', async () => {
    const s = await freshSchema();
    const a = await openHoldingStore(s);
    const b = await openOtherStore(s);
    const admin = await adminClient(s);
    a.hold();
    const held = append(a.store, 'dies');
    await a.inserted();
    const later = await append(b, 'later');
    expect(ids(await b.telemetry.after({}, 0, 10))).toEqual([]);
    // The instance's connection dies: its transaction rolls back, its append fails, readers go on.
    await admin.query('SELECT pg_terminate_backend(pid) FROM telemetry_pending');
    // Still held on the instance's side (nothing deleted the reservation): readers pass once the backend is gone.
    await eventually(async () => ids(await b.telemetry.after({}, 0, 10)).includes('later'), { description: 'readers passing the dead batch' });
    expect((await admin.query('SELECT * FROM telemetry_pending')).rows).toHaveLength(1);
    a.release();
    await expect(held).rejects.toThrow(/connection/);
    expect(ids(await b.telemetry.after({}, 0, 10))).toEqual(['later']);
    expect((await b.telemetry.stats()).lastSequence).toBe(later.sequenceNumber);
  });

  it('ignores a reservation whose backend is gone (once past ASSUMED_ALIVE_MS) even before anyone deletes it', async () => {
    const s = await freshSchema();
    const store = await openStore(s);
    const admin = await adminClient(s);
    const gone = await adminClient(s);
    gone.on('error', () => undefined); // its end is the point
    const deadPid = (await gone.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    await admin.query('SELECT pg_terminate_backend($1)', [deadPid]);
    // Older than the time a reservation is assumed alive without asking the server.
    await admin.query("INSERT INTO telemetry_pending SELECT lo, lo, now() - interval '2 seconds', 'crashed', $1 FROM (SELECT nextval('telemetry_seq_seq') AS lo) r", [deadPid]);
    await append(store, 'after-crash');
    expect(ids(await store.telemetry.after({}, 0, 10))).toEqual(['after-crash']);
  });

  it('ignores a reservation older than the stale timeout (a hung instance), and a retention pass deletes it', async () => {
    const s = await freshSchema();
    const store = await openStore(s, { telemetry: { staleReservationMs: 60_000 } });
    const admin = await adminClient(s); // alive: only the age can release its reservations
    const reserve = (age: string) =>
      admin.query(`INSERT INTO telemetry_pending SELECT lo, lo, now() - interval '${age}', 'hung', pg_backend_pid() FROM (SELECT nextval('telemetry_seq_seq') AS lo) r`);
    await reserve('61 seconds');
    await append(store, 'past-stale');
    expect(ids(await store.telemetry.after({}, 0, 10))).toEqual(['past-stale']);
    await reserve('59 seconds');
    await append(store, 'behind-young');
    expect(ids(await store.telemetry.after({}, 0, 10))).toEqual(['past-stale']);
    await store.telemetry.prune({ maxCount: 100, maxBytes: 1e9, olderThanMs: 0 });
    const left = await admin.query<{ instance: string; age: number }>('SELECT instance, extract(epoch FROM now() - created_at)::int AS age FROM telemetry_pending');
    expect(left.rows.map((r) => r.age >= 59 && r.age < 61)).toEqual([true]);
  });

  it('fails a batch that reaches its INSERT after its reservation expired, storing nothing and holding no reader', async () => {
    const s = await freshSchema();
    const late = await openStore(s, { telemetry: { staleReservationMs: 0 } });
    const other = await openStore(s);
    const results = await Promise.allSettled([append(late, 'x'), append(late, 'y')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const reason = (results[0] as PromiseRejectedResult).reason as unknown;
    expect(isVergeError(reason, 'CLD_TELEMETRY_BATCH_EXPIRED')).toBe(true);
    expect((reason as Error).message).toContain('2 messages');
    const admin = await adminClient(s);
    expect((await admin.query('SELECT * FROM telemetry_pending')).rows).toEqual([]);
    expect(await other.telemetry.stats()).toMatchObject({ count: 0, lastSequence: 0 });
    await append(other, 'ok');
    expect(ids(await other.telemetry.after({}, 0, 10))).toEqual(['ok']);
  });

  it('keeps the totals exact while two instances append and prune at the same time', async () => {
    const s = await freshSchema();
    const [a, b] = await Promise.all([openStore(s, { telemetry: { maxBatch: 9 } }), openStore(s, { telemetry: { maxBatch: 9 } })]);
    const limits = { maxCount: 100, maxBytes: 1e12, olderThanMs: 0 };
    for (let round = 0; round < 4; round++) {
      await Promise.all([
        Promise.all(Array.from({ length: 80 }, (_, k) => append(a, `a${round}-${k}`, 'da'))),
        Promise.all(Array.from({ length: 80 }, (_, k) => append(b, `b${round}-${k}`, 'db'))),
        a.telemetry.prune(limits),
        b.telemetry.prune(limits),
      ]);
    }
    const admin = await adminClient(s);
    let table = await tableTotals(admin);
    expect(await a.telemetry.stats()).toEqual({ count: table.count, bytes: table.bytes, lastSequence: table.last });
    await Promise.all([a.telemetry.prune(limits), b.telemetry.prune(limits)]);
    table = await tableTotals(admin);
    expect(table.count).toBe(100);
    expect(await b.telemetry.stats()).toEqual({ count: 100, bytes: table.bytes, lastSequence: 640 });
    expect(ids(await readAll(b)).at(-1)).toMatch(/^[ab]3-79$/);
  });
});

describe('PostgreSQL migration 4: telemetry reservations and sharded totals', () => {
  it('converts a schema at version 3 with telemetry in it: totals, rows and the sequence carry on', async () => {
    const s = await freshSchema();
    const pool = await openPgPool({ url: s.url, schema: s.schema });
    try {
      await runPgMigrations(pool, pgCloudMigrations.slice(0, 3), s.schema);
      // Rows as version 3 stored them: sequence from the column default, totals in the single row.
      await pool.query(`INSERT INTO telemetry (device_id, enqueued_at, body, properties, system_properties, size)
        SELECT 'old', i, '\\x61', '{}', jsonb_build_object('messageId', 'old' || i), 10 FROM generate_series(1, 5) AS i`);
      await pool.query('UPDATE telemetry_totals SET count = 5, bytes = 50, last_sequence = 5');
    } finally {
      await pool.end();
    }
    const store = await openStore(s);
    // Migration 4 first, then whatever later migrations there are.
    expect(store.migrations).toMatchObject({ from: 3, applied: pgCloudMigrations.slice(3).map((m) => `${m.version}-${m.name}`) });
    expect(store.migrations.applied[0]).toBe('4-telemetry-reservations-sharded-totals');
    expect(await store.telemetry.stats()).toEqual({ count: 5, bytes: 50, lastSequence: 5 });
    const next = await append(store, 'new');
    expect(next.sequenceNumber).toBe(6);
    expect(ids(await store.telemetry.after({}, 3, 10))).toEqual(['old4', 'old5', 'new']);
    expect(await store.telemetry.prune({ maxCount: 2, maxBytes: 1e9, olderThanMs: 0 })).toBe(4);
    expect(await store.telemetry.stats()).toMatchObject({ count: 2, lastSequence: 6 });
  });
});

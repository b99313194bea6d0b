import type { JsonObject } from '@verge/core';
import { type MqttSessionState, type MqttSessionStore } from '@verge/iothub-mqtt';
import { closeSqlite, openSqlite, runMigrations, type SqliteDatabase } from '@verge/platform';
import type { ScopeIdentity } from '../scope/scope-identity.js';
import { hubStateMigrations } from './hub-state-schema.js';

/** A cached twin: both sections as the cloud last returned them (with `$version`), plus local reported changes. */
export interface CachedTwin {
  readonly desired: JsonObject;
  readonly reported: JsonObject;
  readonly updatedAtMs: number;
}

/** A reported patch answered locally and waiting to be confirmed by the cloud. */
export interface PendingReported {
  readonly seq: number;
  readonly clientId: string;
  readonly patch: JsonObject;
}

/**
 * The hub's durable state besides messages (see hub-state-schema.ts), on one SQLite file in WAL mode. Writes are
 * small and synchronous (better-sqlite3); each is its own transaction unless noted.
 */
export class HubState {
  readonly sessions: MqttSessionStore;
  private readonly st: ReturnType<typeof prepare>;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly nowMs: () => number,
  ) {
    this.st = prepare(db);
    const st = this.st;
    this.sessions = {
      load: (clientId) => {
        const row = st.sessionGet.get(clientId) as { state: string } | undefined;
        return row === undefined ? undefined : (JSON.parse(row.state) as MqttSessionState);
      },
      save: (clientId, state) => {
        if (state === undefined) st.sessionDelete.run(clientId);
        else st.sessionPut.run(clientId, JSON.stringify(state));
      },
    };
  }

  /** Opens (creating) the database at `path` (`:memory:` for tests). */
  static open(path: string, nowMs: () => number = Date.now): HubState {
    const db = openSqlite(path);
    try {
      runMigrations(db, hubStateMigrations);
      return new HubState(db, nowMs);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Every cached scope identity. */
  scopeIdentities(): ScopeIdentity[] {
    return (this.st.scopeAll.all() as { record: string }[]).map((r) => JSON.parse(r.record) as ScopeIdentity);
  }

  /** Replaces the whole scope cache in one transaction and records when. */
  replaceScope(devices: readonly ScopeIdentity[]): void {
    this.db.transaction(() => {
      this.st.scopeClear.run();
      for (const d of devices) this.st.scopePut.run(d.deviceId, JSON.stringify(d));
      this.st.metaPut.run('scopeSyncedAtMs', String(this.nowMs()));
    })();
  }

  /** When the scope was last synced (undefined: never). */
  scopeSyncedAtMs(): number | undefined {
    const row = this.st.metaGet.get('scopeSyncedAtMs') as { value: string } | undefined;
    return row === undefined ? undefined : Number(row.value);
  }

  twin(clientId: string): CachedTwin | undefined {
    const row = this.st.twinGet.get(clientId) as { desired: string; reported: string; updated_at_ms: number } | undefined;
    if (row === undefined) return undefined;
    return { desired: JSON.parse(row.desired) as JsonObject, reported: JSON.parse(row.reported) as JsonObject, updatedAtMs: row.updated_at_ms };
  }

  putTwin(clientId: string, desired: JsonObject, reported: JsonObject): void {
    this.st.twinPut.run(clientId, JSON.stringify(desired), JSON.stringify(reported), this.nowMs());
  }

  deleteTwin(clientId: string): void {
    this.st.twinDelete.run(clientId);
  }

  /** Appends a reported patch to the client's pending list; returns its sequence number. */
  addPendingReported(clientId: string, patch: JsonObject): number {
    return Number(this.st.pendingAdd.run(clientId, JSON.stringify(patch), this.nowMs()).lastInsertRowid);
  }

  /** The client's pending patches, oldest first. */
  pendingReported(clientId: string): PendingReported[] {
    return (this.st.pendingOf.all(clientId) as { seq: number; patch: string }[]).map((r) => ({ seq: r.seq, clientId, patch: JSON.parse(r.patch) as JsonObject }));
  }

  /** Client ids with pending patches. */
  clientsWithPendingReported(): string[] {
    return (this.st.pendingClients.all() as { client_id: string }[]).map((r) => r.client_id);
  }

  /** How many patches the client has pending. */
  pendingReportedCount(clientId: string): number {
    return (this.st.pendingCount.get(clientId) as { n: number }).n;
  }

  /** Replaces the client's pending patches with `patches` (oldest first), in one transaction. */
  replacePendingReported(clientId: string, patches: readonly JsonObject[]): void {
    this.db.transaction(() => {
      this.st.pendingRemoveAll.run(clientId);
      for (const patch of patches) this.st.pendingAdd.run(clientId, JSON.stringify(patch), this.nowMs());
    })();
  }

  /** Removes the client's pending patches up to and including `seq`. */
  removePendingReported(clientId: string, throughSeq: number): void {
    this.st.pendingRemove.run(clientId, throughSeq);
  }

  /** The last `$edgeHub` desired properties whose routes compiled. */
  edgeHubDesired(): JsonObject | undefined {
    const row = this.st.hubDesiredGet.get() as { desired: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.desired) as JsonObject);
  }

  saveEdgeHubDesired(desired: JsonObject): void {
    this.st.hubDesiredPut.run(JSON.stringify(desired), this.nowMs());
  }

  close(): void {
    closeSqlite(this.db);
  }
}

function prepare(db: SqliteDatabase) {
  return {
    sessionGet: db.prepare('SELECT state FROM sessions WHERE client_id = ?'),
    sessionPut: db.prepare('INSERT INTO sessions (client_id, state) VALUES (?, ?) ON CONFLICT (client_id) DO UPDATE SET state = excluded.state'),
    sessionDelete: db.prepare('DELETE FROM sessions WHERE client_id = ?'),
    scopeAll: db.prepare('SELECT record FROM scope_identities ORDER BY device_id'),
    scopeClear: db.prepare('DELETE FROM scope_identities'),
    scopePut: db.prepare('INSERT INTO scope_identities (device_id, record) VALUES (?, ?)'),
    metaGet: db.prepare('SELECT value FROM scope_meta WHERE key = ?'),
    metaPut: db.prepare('INSERT INTO scope_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    twinGet: db.prepare('SELECT desired, reported, updated_at_ms FROM twins WHERE client_id = ?'),
    twinPut: db.prepare(
      'INSERT INTO twins (client_id, desired, reported, updated_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET desired = excluded.desired, reported = excluded.reported, updated_at_ms = excluded.updated_at_ms',
    ),
    twinDelete: db.prepare('DELETE FROM twins WHERE client_id = ?'),
    pendingAdd: db.prepare('INSERT INTO reported_pending (client_id, patch, created_at_ms) VALUES (?, ?, ?)'),
    pendingOf: db.prepare('SELECT seq, patch FROM reported_pending WHERE client_id = ? ORDER BY seq'),
    pendingClients: db.prepare('SELECT DISTINCT client_id FROM reported_pending ORDER BY client_id'),
    pendingRemove: db.prepare('DELETE FROM reported_pending WHERE client_id = ? AND seq <= ?'),
    pendingRemoveAll: db.prepare('DELETE FROM reported_pending WHERE client_id = ?'),
    pendingCount: db.prepare('SELECT COUNT(*) AS n FROM reported_pending WHERE client_id = ?'),
    hubDesiredGet: db.prepare('SELECT desired FROM edge_hub_desired WHERE id = 1'),
    hubDesiredPut: db.prepare(
      'INSERT INTO edge_hub_desired (id, desired, saved_at_ms) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET desired = excluded.desired, saved_at_ms = excluded.saved_at_ms',
    ),
  };
}

import { VergeError } from '@verge/contracts';
import type { SqliteDatabase } from './open-sqlite.js';

/** One numbered schema change. Versions start at 1 and increase by one; a released migration never changes. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** SQL run with `db.exec`, or a function for changes that need code. */
  readonly up: string | ((db: SqliteDatabase) => void);
}

/** What `runMigrations` did. */
export interface MigrationResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly string[];
}

const ledgerDdl = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/**
 * Applies the migrations newer than the database's version, each in its own transaction together with
 * its row in `schema_migrations`, so a crash leaves the database at a whole version. Throws
 * DB_SCHEMA_TOO_NEW when the database knows a version this code does not.
 */
export function runMigrations(db: SqliteDatabase, migrations: readonly Migration[], nowIso: () => string = isoNow): MigrationResult {
  checkNumbering(migrations);
  db.exec(ledgerDdl);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const from = row.v ?? 0;
  const latest = migrations.length;
  if (from > latest) {
    throw new VergeError('DB_SCHEMA_TOO_NEW', `database ${db.name} is at schema version ${from}, this Verge knows versions up to ${latest}`, {
      details: { databaseVersion: from, knownVersion: latest },
    });
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: string[] = [];
  for (const m of migrations.slice(from)) {
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      record.run(m.version, m.name, nowIso());
    })();
    applied.push(`${m.version}-${m.name}`);
  }
  return { from, to: Math.max(from, latest), applied };
}

function checkNumbering(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new VergeError('DB_MIGRATIONS_INVALID', `migration at index ${i} ("${m.name}") has version ${m.version}, expected ${i + 1}`);
    }
  });
}

function isoNow(): string {
  return new Date().toISOString();
}

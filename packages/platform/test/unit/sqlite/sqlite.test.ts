import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isVergeError } from '@verge/contracts';
import { closeSqlite, openSqlite, runMigrations, type Migration } from '../../../src/index.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'verge-sqlite-'));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const migrations: Migration[] = [
  { version: 1, name: 'things', up: 'CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)' },
  { version: 2, name: 'things-color', up: (db) => db.exec("ALTER TABLE things ADD COLUMN color TEXT NOT NULL DEFAULT 'red'") },
];

describe('openSqlite', () => {
  it('creates the directory and opens in WAL mode with a busy timeout and foreign keys', () => {
    const path = join(tmp(), 'nested', 'dir', 'db.sqlite');
    const db = openSqlite(path, { busyTimeoutMs: 1234 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    closeSqlite(db);
    expect(existsSync(path)).toBe(true);
  });

  it('closeSqlite checkpoints the WAL into the main file and is idempotent', () => {
    const path = join(tmp(), 'db.sqlite');
    const db = openSqlite(path);
    db.exec('CREATE TABLE t (x BLOB)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 100; i++) insert.run(Buffer.alloc(1000, i));
    closeSqlite(db);
    closeSqlite(db);
    expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
    const again = openSqlite(path);
    expect(again.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 100 });
    closeSqlite(again);
  });
});

describe('runMigrations', () => {
  it('applies every migration once, in order, and records them', () => {
    const path = join(tmp(), 'db.sqlite');
    const db = openSqlite(path);
    expect(runMigrations(db, migrations, () => 'T')).toEqual({ from: 0, to: 2, applied: ['1-things', '2-things-color'] });
    db.prepare('INSERT INTO things (name) VALUES (?)').run('a');
    expect(runMigrations(db, migrations)).toEqual({ from: 2, to: 2, applied: [] });
    expect(db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: 1, name: 'things', applied_at: 'T' },
      { version: 2, name: 'things-color', applied_at: 'T' },
    ]);
    closeSqlite(db);
  });

  it('upgrades an older database from its version', () => {
    const db = openSqlite(':memory:');
    runMigrations(db, migrations.slice(0, 1));
    db.prepare('INSERT INTO things (name) VALUES (?)').run('old');
    expect(runMigrations(db, migrations).applied).toEqual(['2-things-color']);
    expect(db.prepare('SELECT name, color FROM things').get()).toEqual({ name: 'old', color: 'red' });
    closeSqlite(db);
  });

  it('rolls a failing migration back whole', () => {
    const db = openSqlite(':memory:');
    const bad: Migration[] = [...migrations, { version: 3, name: 'bad', up: 'CREATE TABLE x (a INT); SELECT * FROM nope' }];
    expect(() => runMigrations(db, bad)).toThrow(/no such table: nope/);
    expect(db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'x'").get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 2 });
    closeSqlite(db);
  });

  it('refuses a database migrated by a newer version', () => {
    const db = openSqlite(':memory:');
    runMigrations(db, migrations);
    let caught: unknown;
    try {
      runMigrations(db, migrations.slice(0, 1));
    } catch (e) {
      caught = e;
    }
    expect(isVergeError(caught, 'DB_SCHEMA_TOO_NEW')).toBe(true);
    expect((caught as Error).message).toBe('database :memory: is at schema version 2, this Verge knows versions up to 1');
    closeSqlite(db);
  });

  it.each([
    [[{ version: 2, name: 'a', up: '' }], 'migration at index 0 ("a") has version 2, expected 1'],
    [[migrations[0], { version: 3, name: 'c', up: '' }], 'migration at index 1 ("c") has version 3, expected 2'],
  ] as [Migration[], string][])('rejects badly numbered migrations: %#', (list, message) => {
    const db = openSqlite(':memory:');
    expect(() => runMigrations(db, list)).toThrow(message);
    closeSqlite(db);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '@verge/api-client';
import { eventually, freePort, silentLog, tempDir } from '@verge/testkit';
import { DATABASE_FILE, startCloud } from '../../src/index.js';
import { createPgTestSchema, PG_TEST_URL, type PgTestSchema } from './postgres-test-schema.js';

// The real cloud on PostgreSQL: `startCloud({ db })` in process, and `verge cloud start --db …` / $VERGE_CLOUD_DB as a
// user runs it (the built CLI in a child process; `npx tsc -b` first, as `npm test` does).
const bin = fileURLToPath(new URL('../../../cli/bin/verge.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url)));

const cleanups: (() => Promise<void> | void)[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshSchema(): Promise<PgTestSchema> {
  const s = await createPgTestSchema();
  cleanups.push(() => s.drop());
  return s;
}

function dataDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('startCloud with db: postgres://…', () => {
  it('keeps registry and twins in PostgreSQL (no SQLite file) and finds them again after a restart', async () => {
    const s = await freshSchema();
    const dir = dataDir();
    const config = { dataDir: dir, db: s.urlWithSchema, httpPort: 0, httpsPort: 0, mqttPort: 0, amqpPort: 0, logLevel: 'silent' as const };
    const cloud = await startCloud(config, { log: silentLog() });
    cleanups.push(() => cloud.stop());
    const api = createApiClient({ connectionString: cloud.serviceConnectionString, baseUrl: cloud.urls.http });
    const created = await api.devices.create({ deviceId: 'pg-dev' });
    expect(created.deviceId).toBe('pg-dev');
    const patched = await api.twins.update({ deviceId: 'pg-dev' }, { properties: { desired: { interval: 5 } } });
    expect(patched.properties?.desired).toMatchObject({ interval: 5 });
    expect(existsSync(join(dir, DATABASE_FILE))).toBe(false);
    await cloud.stop();

    const again = await startCloud(config, { log: silentLog() });
    cleanups.push(() => again.stop());
    expect(again.firstStart).toBe(false);
    const api2 = createApiClient({ connectionString: again.serviceConnectionString, baseUrl: again.urls.http });
    const twin = await api2.twins.get({ deviceId: 'pg-dev' });
    expect(twin).toMatchObject({ deviceId: 'pg-dev', properties: { desired: { interval: 5 } } });
  });
});

function run(args: string[], env: Record<string, string> = {}): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

const ports = ['--http-port', '0', '--https-port', '0', '--mqtt-port', '0', '--amqp-port', '0', '--log-level', 'warn'];

describe.runIf(built)('verge cloud start --db postgres://… (built CLI, child process)', () => {
  it('runs the cloud on PostgreSQL: a device created and its twin read through REST', async () => {
    const s = await freshSchema();
    const cloud = run(['cloud', 'start', '--data', dataDir(), '--db', s.urlWithSchema, ...ports]);
    await eventually(() => /plain HTTP: (http:\/\/\S+)\)/.test(cloud.stdout()) && cloud.stdout().includes('SharedAccessKey='), {
      description: 'the cloud on PostgreSQL printing its connection string',
      timeoutMs: 30_000,
    });
    const cs = /HostName=\S+;SharedAccessKeyName=owner;SharedAccessKey=\S+/.exec(cloud.stdout())?.[0] ?? '';
    const httpUrl = /plain HTTP: (http:\/\/\S+)\)/.exec(cloud.stdout())?.[1] ?? '';
    const api = createApiClient({ connectionString: cs, baseUrl: httpUrl });
    await api.devices.create({ deviceId: 'cli-pg-dev' });
    expect(await api.twins.get({ deviceId: 'cli-pg-dev' })).toMatchObject({ deviceId: 'cli-pg-dev', version: expect.any(Number) as number });
    cloud.child.kill('SIGTERM');
    expect(await cloud.exited).toBe(0);
    expect(cloud.stderr()).toBe('');
  });

  it('takes the URL from $VERGE_CLOUD_DB when --db is not given', async () => {
    const s = await freshSchema();
    const cloud = run(['cloud', 'start', '--data', dataDir(), ...ports], { VERGE_CLOUD_DB: s.urlWithSchema });
    await eventually(() => cloud.stdout().includes('SharedAccessKey='), { description: 'the cloud started from $VERGE_CLOUD_DB', timeoutMs: 30_000 });
    const cs = /HostName=\S+;SharedAccessKeyName=owner;SharedAccessKey=\S+/.exec(cloud.stdout())?.[0] ?? '';
    const httpUrl = /plain HTTP: (http:\/\/\S+)\)/.exec(cloud.stdout())?.[1] ?? '';
    await createApiClient({ connectionString: cs, baseUrl: httpUrl }).devices.create({ deviceId: 'env-dev' });
    cloud.child.kill('SIGTERM');
    expect(await cloud.exited).toBe(0);
  });

  it('fails start naming the problem: exit 2 for a URL that is not PostgreSQL, exit 1 for a server that does not answer', async () => {
    // Two independent failing starts, at once (each mostly a CLI starting up).
    const port = await freePort();
    const bad = run(['cloud', 'start', '--data', dataDir(), '--db', 'mysql://root@127.0.0.1/verge', ...ports]);
    const down = run(['cloud', 'start', '--data', dataDir(), ...ports], { VERGE_CLOUD_DB: `postgres://verge:s3cret@127.0.0.1:${port}/verge` });
    expect(await bad.exited).toBe(2);
    expect(bad.stderr().trim()).toBe('error: invalid database URL mysql://root@127.0.0.1/verge: expected postgres://[user[:password]@]host[:port]/database');
    expect(await down.exited).toBe(1);
    expect(down.stderr().trim()).toBe(
      `error: CLD_DATABASE_UNAVAILABLE: cannot use PostgreSQL at 127.0.0.1:${port}/verge: connection refused (is PostgreSQL running and listening there?) (ECONNREFUSED)`,
    );
  });

  it('fails start naming the problem, not with a driver stack, when the search_path names a schema that does not exist', async () => {
    const url = new URL(PG_TEST_URL);
    url.password = 's3cret';
    url.searchParams.set('options', '-c search_path=verge_no_such_schema');
    const cloud = run(['cloud', 'start', '--data', dataDir(), ...ports], { VERGE_CLOUD_DB: url.toString() });
    expect(await cloud.exited).toBe(1);
    expect(cloud.stderr().trim()).toBe(
      `error: CLD_DATABASE_UNAVAILABLE: cannot use PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}: its schema could not be migrated: ` +
        'no schema to create the tables in (the search_path, e.g. options=-c search_path=…, names a schema that does not exist: create it first) (3F000)',
    );
  });
});

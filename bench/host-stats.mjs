// What the benchmarks read of the host: a process's CPU time and RSS from /proc, and a fresh PostgreSQL schema for
// a run (one place for both; the benchmarks of bench/ share them).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** CPU time (user + system, ms; 10 ms ticks) and RSS (MiB) of process `pid` from /proc/PID/stat; NaN when it is gone. */
export async function procStat(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (stat === '') return { cpuMs: Number.NaN, rssMiB: Number.NaN };
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { cpuMs: (Number(fields[11]) + Number(fields[12])) * 10, rssMiB: (Number(fields[21]) * 4096) / 2 ** 20 };
}

/** CPU time (ms) of process `pid`, or NaN. */
export async function pidCpuMs(pid) {
  return (await procStat(pid)).cpuMs;
}

/** The PostgreSQL the benchmarks use ($VERGE_TEST_PG_URL, default the `test` database on 127.0.0.1). */
export const PG_URL = process.env.VERGE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh schema of PG_URL named `{prefix}_{time}`: `url` selects it (search_path), for `verge cloud start --db`;
 * `drop` removes it.
 */
export async function createBenchSchema(prefix) {
  const pg = createRequire(new URL('../apps/cloud/package.json', import.meta.url))('pg');
  const schema = `${prefix}_${Date.now().toString(36)}`;
  const admin = async (sql) => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const u = new URL(PG_URL);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

/** Local TCP ports of the connections processes `pids` hold to `remotePort` on this host (from `ss`). */
async function clientPorts(pids, remotePort) {
  const { execFile } = await import('node:child_process');
  const out = await new Promise((resolve) =>
    execFile('ss', ['-tnpH', 'state', 'established', `( dport = :${remotePort} )`], (err, stdout) => resolve(err ? '' : stdout)),
  );
  const wanted = new Set(pids.map(String));
  const ports = [];
  for (const line of out.split('\n')) {
    const pid = /pid=(\d+)/.exec(line)?.[1];
    if (pid === undefined || !wanted.has(pid)) continue;
    const local = line.trim().split(/\s+/)[2] ?? ''; // Recv-Q Send-Q Local:Port Peer:Port Process
    ports.push(Number(local.slice(local.lastIndexOf(':') + 1)));
  }
  return ports;
}

/**
 * Process ids of the PostgreSQL backends serving processes `clientPids` (their connections to PG_URL's port,
 * matched on `pg_stat_activity.client_port`), plus the server's WAL writer: the server-side CPU of those clients.
 */
export async function pgBackendPids(clientPids) {
  const u = new URL(PG_URL);
  const ports = await clientPorts(clientPids, u.port || '5432');
  const pg = createRequire(new URL('../apps/cloud/package.json', import.meta.url))('pg');
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const { rows } = await c.query(
      `SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[]) OR backend_type = 'walwriter'`,
      [ports],
    );
    return rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

/** Process id of the server listening on TCP `port` of this host (from `ss`), or undefined. */
export async function listenerPid(port) {
  const { execFile } = await import('node:child_process');
  const out = await new Promise((resolve) => execFile('ss', ['-ltnpH', `( sport = :${port} )`], (err, stdout) => resolve(err ? '' : stdout)));
  const pid = /pid=(\d+)/.exec(out)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

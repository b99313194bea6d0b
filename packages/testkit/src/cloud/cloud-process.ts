import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../wait/index.js';

/** The built CLI (`npx tsc -b` first). */
export const VERGE_BIN = fileURLToPath(new URL('../../../../apps/cli/bin/verge.js', import.meta.url));

/** Settings of one `verge cloud start` child process (fixed ports: a load balancer names them). */
export interface CloudProcessOptions {
  readonly dataDir: string;
  readonly ports: { readonly http: number; readonly https: number; readonly mqtt: number };
  /** A PostgreSQL URL (several instances share it); absent, SQLite in the data directory. */
  readonly db?: string;
  /** A NATS URL (`nats://…?prefix=…`). */
  readonly bus?: string;
  readonly hostname?: string;
  readonly drainTimeoutMs?: number;
  /** Default `warn`; `$VERGE_TEST_LOG` overrides. */
  readonly logLevel?: string;
  /** Extra `node` flags (a CPU profile, a preloaded probe). */
  readonly nodeArgs?: readonly string[];
}

/** A running cloud instance in its own process. */
export interface CloudProcess {
  readonly child: ChildProcess;
  readonly options: CloudProcessOptions;
  readonly httpUrl: string;
  /** The owner connection string it printed. */
  readonly serviceConnectionString: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null after a signal) and the signal. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** `/health/ready` status (0 when nothing answers). */
  readiness(): Promise<number>;
  /** SIGKILL unless it already exited; resolves when it has. */
  kill(): Promise<void>;
}

/**
 * Starts `verge cloud start` in a child process and resolves once it printed its connection string and answers
 * `/health/ready` with 200. The caller stops it (`kill`, or `child.kill('SIGTERM')` for a drain).
 */
export async function startCloudProcess(o: CloudProcessOptions): Promise<CloudProcess> {
  const args = [
    ...(o.nodeArgs ?? []),
    VERGE_BIN,
    'cloud', 'start',
    '--data', o.dataDir,
    '--http-port', String(o.ports.http),
    '--https-port', String(o.ports.https),
    '--mqtt-port', String(o.ports.mqtt),
    '--amqp-port', '0',
    '--hostname', o.hostname ?? 'localhost',
    '--log-level', process.env['VERGE_TEST_LOG'] ?? o.logLevel ?? 'warn',
    '--max-connections-per-address', '100000',
    '--max-pending-handshakes-per-address', '10000',
    ...(o.db === undefined ? [] : ['--db', o.db]),
    ...(o.bus === undefined ? [] : ['--bus', o.bus]),
    ...(o.drainTimeoutMs === undefined ? [] : ['--drain-timeout', String(o.drainTimeoutMs)]),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const httpUrl = `http://127.0.0.1:${o.ports.http}`;
  const readiness = async (): Promise<number> => {
    try {
      return (await fetch(`${httpUrl}/health/ready`)).status;
    } catch {
      return 0;
    }
  };
  let gone = false;
  void exited.then(() => (gone = true));
  // An exit ends the wait at once (eventually would take a thrown error for "not yet").
  const printed = await eventually(() => (gone ? { exited: true as const } : /HostName=\S+;SharedAccessKeyName=owner;SharedAccessKey=\S+/.exec(out)?.[0]), {
    timeoutMs: 60_000,
    description: 'the cloud process printing its connection string',
  });
  if (typeof printed !== 'string') throw new Error(`verge cloud start exited: ${err.trim()}`);
  const serviceConnectionString = printed;
  await eventually(async () => (await readiness()) === 200, { timeoutMs: 30_000, description: `the cloud on ${o.ports.http} ready` });
  return {
    child,
    options: o,
    httpUrl,
    serviceConnectionString,
    stdout: () => out,
    stderr: () => err,
    exited,
    readiness,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Gives a new instance's data directory the CA of the first one (ca.pem, ca-key.pem), before its first start: it
 * then issues its own server certificate from that CA, so devices trusting one ca.pem reach every instance.
 */
export async function shareCloudCa(fromDataDir: string, toDataDir: string): Promise<void> {
  await mkdir(toDataDir, { recursive: true, mode: 0o700 });
  await copyFile(join(fromDataDir, 'ca.pem'), join(toDataDir, 'ca.pem'));
  await copyFile(join(fromDataDir, 'ca-key.pem'), join(toDataDir, 'ca-key.pem'));
}

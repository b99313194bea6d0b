import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../wait/index.js';

/** The template docs/scale-out/nats-bus.md shows (the same file, rendered here). */
export const HAPROXY_TEMPLATE_PATH = fileURLToPath(new URL('../../../../docs/scale-out/haproxy.cfg.template', import.meta.url));

/** One cloud instance behind the load balancer: its MQTT and HTTPS ports, and the plain HTTP port health-checked. */
export interface HaproxyInstance {
  readonly name: string;
  readonly mqttPort: number;
  readonly httpsPort: number;
  readonly httpPort: number;
}

/** What the template needs. */
export interface HaproxySettings {
  readonly instances: readonly HaproxyInstance[];
  /** Front ports devices and service clients dial. */
  readonly mqttPort: number;
  readonly httpsPort: number;
  readonly bindHost?: string;
  /** Health-check interval (default 250 ms in tests; the guide uses 1 s). */
  readonly checkIntervalMs?: number;
  /** `maxconn` (default 5000: HAProxy needs two descriptors per connection, and test hosts limit them). */
  readonly maxConnections?: number;
  /** Unix socket of `show stat` (default `haproxy.sock` next to the rendered config). */
  readonly statsSocket?: string;
}

/** Renders docs/scale-out/haproxy.cfg.template for these instances. */
export function renderHaproxyConfig(s: HaproxySettings): string {
  const lines = (port: (i: HaproxyInstance) => number): string =>
    s.instances.map((i) => `    server ${i.name} 127.0.0.1:${port(i)} check port ${i.httpPort}`).join('\n');
  const values: Record<string, string> = {
    BIND_HOST: s.bindHost ?? '127.0.0.1',
    MQTT_PORT: String(s.mqttPort),
    HTTPS_PORT: String(s.httpsPort),
    CHECK_INTERVAL_MS: String(s.checkIntervalMs ?? 250),
    MAX_CONNECTIONS: String(s.maxConnections ?? 5000),
    STATS_SOCKET: s.statsSocket ?? '/run/haproxy-verge.sock',
    MQTT_SERVERS: lines((i) => i.mqttPort),
    HTTPS_SERVERS: lines((i) => i.httpsPort),
  };
  return readFileSync(HAPROXY_TEMPLATE_PATH, 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`haproxy template: no value for ${whole}`);
    return v;
  });
}

/** True when the `haproxy` binary runs (`.ci/run` installs it from Debian). */
export function haproxyAvailable(): boolean {
  return spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
}

/** A running HAProxy (foreground child process). */
export interface RunningHaproxy {
  readonly configPath: string;
  readonly mqttPort: number;
  readonly httpsPort: number;
  /** Its stderr so far (alerts, servers going up and down). */
  output(): string;
  /** Current sessions per server of a backend (`verge_mqtt` or `verge_https`), from `show stat`. */
  sessions(backend: string): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

/** Writes the rendered config into `dir`, checks it (`haproxy -c`) and runs HAProxy until `stop`. */
export async function startHaproxy(dir: string, s: HaproxySettings): Promise<RunningHaproxy> {
  const configPath = join(dir, 'haproxy.cfg');
  const statsSocket = join(dir, 'haproxy.sock');
  await writeFile(configPath, renderHaproxyConfig({ ...s, statsSocket }));
  const check = spawnSync('haproxy', ['-c', '-q', '-f', configPath], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy -c rejected ${configPath}: ${check.stderr}${check.stdout}`);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  let gone = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (gone = true));
  await eventually(async () => {
    if (gone) throw new Error(`haproxy exited: ${err}`);
    return acceptsTcp(s.mqttPort);
  }, { timeoutMs: 10_000, description: `HAProxy listening on ${s.mqttPort}` });
  return {
    configPath,
    mqttPort: s.mqttPort,
    httpsPort: s.httpsPort,
    output: () => err,
    async sessions(backend: string) {
      const csv = await statsCommand(statsSocket, 'show stat');
      const result = new Map<string, number>();
      for (const line of csv.split('\n')) {
        const [px, sv, , , scur] = line.split(',');
        if (px === backend && sv !== undefined && sv !== 'FRONTEND' && sv !== 'BACKEND') result.set(sv, Number(scur));
      }
      return result;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function statsCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (text += c));
    socket.once('error', reject);
    socket.once('end', () => resolve(text));
    socket.once('connect', () => socket.write(`${command}\n`));
  });
}

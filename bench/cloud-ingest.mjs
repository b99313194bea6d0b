#!/usr/bin/env node
// Cloud telemetry ingest vs Mosquitto 2, both on TLS, measured side by side in one run (issue 9): N devices
// (SAS over TLS, clean=false, as the Azure SDK) publish 256 B QoS 1 telemetry, each with `window` messages in flight;
// the cloud persists each message (SQLite, group commit) before its PUBACK. Reports msgs/s of each, the ratio, and
// the broker process's CPU µs per message (process.cpuUsage over IPC for the cloud, /proc/PID/stat for Mosquitto).
// Rounds alternate cloud and Mosquitto so machine noise hits both. Loopback only.
//
//   npx tsc -b && node bench/cloud-ingest.mjs [--clients 100] [--window 8] [--seconds 10] [--rounds 2] [--store sqlite|pg] [--bus] [--json]
//   --store pg: a fresh schema of $VERGE_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test), dropped after;
//   --bus: the NATS bus of the tests (JetStream telemetry stream included), as `pg-1` of bench/cloud-scale.mjs runs it.
//   VERGE_BENCH_CLOUD_DIST=/path/to/apps/cloud/dist node bench/cloud-ingest.mjs   # another build of the cloud
//   VERGE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/cloud-ingest.mjs   # flags for the cloud process
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { closeAll, connectCloudDevice, pool, pumpTelemetry, registerDevices, restClient } from './cloud-load.mjs';
import { startMosquittoTls } from './mosquitto-tls.mjs';
import { createBenchSchema, pidCpuMs } from './host-stats.mjs';
import { createTestBus } from '../packages/testkit/dist/cloud/index.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    window: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    store: { type: 'string', default: 'sqlite' },
    bus: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(args.clients);
const KEY = Buffer.alloc(32, 42).toString('base64');
const telemetry = { payloadBytes: 256, window: Number(args.window), durationMs: Number(args.seconds) * 1000, warmupMs: 2000 };
if (!['sqlite', 'pg'].includes(args.store)) throw new Error(`unknown --store "${args.store}" (sqlite, pg)`);
const progress = (text) => process.stderr.write(`[ingest ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

async function startCloud(dataDir, shared) {
  // VERGE_BENCH_NODE_ARGS passes flags to the cloud process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const execArgv = [...process.execArgv, ...(process.env.VERGE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const env = { ...process.env, ...(shared.db === undefined ? {} : { VERGE_BENCH_CLOUD_DB: shared.db }), ...(shared.bus === undefined ? {} : { VERGE_BENCH_CLOUD_BUS: shared.bus }) };
  const child = fork(new URL('./cloud-server.mjs', import.meta.url), [dataDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env });
  const pending = [];
  child.on('message', (m) => pending.shift()?.(m));
  const request = (type) =>
    new Promise((resolve) => {
      pending.push(resolve);
      child.send({ type });
    });
  const ready = await new Promise((resolve, reject) => {
    pending.push(resolve);
    child.once('exit', (code) => reject(new Error(`cloud process exited with ${code}`)));
  });
  const cpuMs = async () => {
    const { cpu } = await request('rss');
    return (cpu.user + cpu.system) / 1000;
  };
  return { child, ready, cpuMs, stop: () => request('stop') };
}

/** Pumps telemetry and reports msgs/s and the broker's CPU µs per acknowledged message. */
async function measure(clients, cpuMs) {
  const c0 = await cpuMs();
  const g0 = process.cpuUsage();
  const t0 = Date.now();
  const run = await pumpTelemetry(clients, telemetry);
  const g = process.cpuUsage(g0);
  const cpu = (await cpuMs()) - c0;
  const seconds = (Date.now() - t0) / 1000;
  // Messages over the whole window (warm-up included) for the CPU share; msgs/s as the pump counts it.
  const total = run.msgsPerSec * seconds;
  const generatorMs = (g.user + g.system) / 1000;
  return {
    ...run,
    cpuPercent: (100 * cpu) / (seconds * 1000),
    cpuUsPerMsg: (cpu * 1000) / total,
    // The load generator (this process: mqtt.js over TLS) shares the machine; when it is near 100% it is the limit.
    generatorCpuPercent: (100 * generatorMs) / (seconds * 1000),
    generatorUsPerMsg: (generatorMs * 1000) / total,
  };
}

function connectMosquitto(port, caPem, clientId) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtts://localhost:${port}`, { ca: caPem, clientId, protocolVersion: 4, clean: false, keepalive: 180, reconnectPeriod: 0 });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'verge-bench-ingest-'));
  const schema = args.store === 'pg' ? await createBenchSchema('verge_bench') : undefined;
  const bus = args.bus ? createTestBus() : undefined;
  const cloud = await startCloud(dataDir, { db: schema?.url, bus: bus?.url });
  const mosquitto = await startMosquittoTls();
  const results = { clients: N, window: telemetry.window, seconds: Number(args.seconds), store: args.store, bus: args.bus, rounds: [] };
  const devices = [];
  const peers = [];
  try {
    const ids = Array.from({ length: N }, (_, i) => `ingest-${String(i).padStart(4, '0')}`);
    await registerDevices(restClient(cloud.ready.httpUrl, cloud.ready.serviceConnectionString), ids, KEY, Date.now() + 60_000);
    devices.push(...(await pool(ids, 32, Number.POSITIVE_INFINITY, (id) => connectCloudDevice(cloud.ready.ports.mqtt, cloud.ready.caPem, id, KEY))));
    peers.push(...(await pool(ids, 32, Number.POSITIVE_INFINITY, (id) => connectMosquitto(mosquitto.port, mosquitto.caPem, id))));
    for (let r = 0; r < Number(args.rounds); r++) {
      progress(`round ${r + 1}: cloud`);
      const c = await measure(devices, () => cloud.cpuMs());
      progress(`round ${r + 1}: mosquitto`);
      const m = await measure(peers, () => pidCpuMs(mosquitto.pid));
      results.rounds.push({ cloud: c, mosquitto: m, ratio: c.msgsPerSec / m.msgsPerSec });
    }
  } finally {
    await closeAll(devices);
    await closeAll(peers);
    await cloud.stop().catch(() => undefined);
    // Let it exit by itself (a CPU profile is written at exit).
    await new Promise((resolve) => (cloud.child.exitCode !== null ? resolve() : cloud.child.once('exit', resolve)));
    await mosquitto.stop();
    await bus?.drop().catch(() => undefined);
    await schema?.drop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
  return results;
}

const r = await main();
if (args.json) console.log(JSON.stringify(r, null, 2));
else {
  const f = (x, d = 0) => x.toFixed(d);
  console.log(`store ${r.store}, bus ${r.bus ? 'NATS' : 'none'}, ${r.clients} senders x window ${r.window}, ${r.seconds} s, 256 B QoS 1, TLS`);
  for (const [i, x] of r.rounds.entries()) {
    console.log(
      `round ${i + 1}: cloud ${f(x.cloud.msgsPerSec)} msgs/s (${f(x.cloud.cpuUsPerMsg, 1)} µs CPU/msg, ${f(x.cloud.cpuPercent)}% core, ${x.cloud.errors} errors; generator ${f(x.cloud.generatorUsPerMsg, 1)} µs/msg, ${f(x.cloud.generatorCpuPercent)}%) | ` +
        `mosquitto TLS ${f(x.mosquitto.msgsPerSec)} msgs/s (${f(x.mosquitto.cpuUsPerMsg, 1)} µs CPU/msg, ${f(x.mosquitto.cpuPercent)}% core; generator ${f(x.mosquitto.generatorUsPerMsg, 1)} µs/msg, ${f(x.mosquitto.generatorCpuPercent)}%) | ratio ${f(x.ratio, 2)}`,
    );
  }
}

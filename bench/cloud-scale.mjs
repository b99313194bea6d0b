#!/usr/bin/env node
// Scale-out benchmark (issue 9): devices held and QoS 1 telemetry msgs/s of the cloud as `verge cloud start` processes
// (the built CLI, the way docs/scale-out.md runs them), in four set-ups measured in one run, next to Mosquitto 2 on
// TLS as the reference:
//   sqlite-1   one instance on SQLite (SQLite is single-instance by design)
//   pg-1       one instance on PostgreSQL (+ NATS bus unless --no-bus)
//   pg-2       two instances on one PostgreSQL schema (+ the same bus), devices split evenly between them
//   mosquitto  Mosquitto 2 with TLS, no persistence (bench/mosquitto-tls.mjs)
// Each set-up: connect --devices devices (SAS over TLS, clean=false, like the Azure SDK) and report how many are held
// and the instances' RSS; then the first --clients of them publish 256 B QoS 1 messages, --window in flight each, for
// --seconds (2 s warm-up not counted). CPU of the broker processes (/proc/PID/stat) per acknowledged message is the
// noise-resistant figure; msgs/s is wall-clock on a shared machine. Two instances are dialled directly (the load
// balancer's cost is HAProxy's, not the cloud's). Loopback only; PostgreSQL and NATS as .ci/run provides them.
//
// Writes the cloud-scale section of BENCHMARKS.md (--no-write: not).
//   npx tsc -b && node bench/cloud-scale.mjs [--devices 1000] [--clients 100] [--window 8] [--seconds 10] [--no-bus] [--json] [--no-write]
//     [--setups mosquitto,sqlite-1,pg-1,pg-2]   (default: all; Mosquitto runs first and last when chosen)
//   VERGE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/cloud-scale.mjs …   # flags for the cloud processes
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { closeAll, connectCloudDevice, pool, pumpTelemetry, registerDevices, restClient } from './cloud-load.mjs';
import { startMosquittoTls } from './mosquitto-tls.mjs';
import { createTestBus, shareCloudCa, startCloudProcess } from '../packages/testkit/dist/cloud/index.js';
import { freePort } from '../packages/testkit/dist/index.js';
import { loadLine, machineLine, writeBenchmarkSection } from './benchmarks-file.mjs';
import { createBenchSchema, procStat } from './host-stats.mjs';

const { values: args } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '100' },
    window: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '10' },
    'no-bus': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    setups: { type: 'string', default: 'mosquitto,sqlite-1,pg-1,pg-2' },
  },
});
const SETUPS = new Set(args.setups.split(',').map((s) => s.trim()));
for (const s of SETUPS) if (!['mosquitto', 'sqlite-1', 'pg-1', 'pg-2'].includes(s)) throw new Error(`unknown setup "${s}" in --setups (mosquitto, sqlite-1, pg-1, pg-2)`);
const DEVICES = Number(args.devices);
const CLIENTS = Math.min(Number(args.clients), DEVICES);
const KEY = Buffer.alloc(32, 42).toString('base64');
const telemetry = { payloadBytes: 256, window: Number(args.window), durationMs: Number(args.seconds) * 1000, warmupMs: 2000 };
const progress = (text) => process.stderr.write(`[scale ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const cleanups = [];
// Flags for the cloud processes, e.g. VERGE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (written at exit).
const NODE_ARGS = (process.env.VERGE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Starts `count` instances sharing one store (PostgreSQL) or one SQLite instance; the second gets the first one's CA. */
async function startInstances(count, shared) {
  const root = await mkdtemp(join(tmpdir(), 'verge-bench-scale-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const procs = [];
  cleanups.push(() => Promise.all(procs.map((p) => p.kill()))); // after a failed start; no-op once stopped
  for (let i = 0; i < count; i++) {
    const dataDir = join(root, `cloud-${i}`);
    if (i > 0) await shareCloudCa(procs[0].options.dataDir, dataDir);
    procs.push(await startOnFreePorts(dataDir, shared));
  }
  const caPem = await readFile(join(procs[0].options.dataDir, 'ca.pem'), 'utf8');
  return { procs, caPem, stop: () => Promise.all(procs.map((p) => stopGracefully(p))) };
}

/** A port picked free can be taken by another process before the instance binds it (a shared machine): retry. */
async function startOnFreePorts(dataDir, shared) {
  for (let attempt = 1; ; attempt++) {
    const ports = { http: await freePort(), https: await freePort(), mqtt: await freePort() };
    try {
      return await startCloudProcess({ dataDir, ports, ...shared, logLevel: 'error', nodeArgs: NODE_ARGS });
    } catch (e) {
      if (attempt >= 3 || !/port is in use/.test(e.message)) throw e;
    }
  }
}

async function stopGracefully(p) {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

/** CPU and msgs/s of one pump over `clients`, with `pids` the broker processes. */
async function measure(clients, pids) {
  const before = await Promise.all(pids.map(procStat));
  const t0 = Date.now();
  const run = await pumpTelemetry(clients, telemetry);
  const seconds = (Date.now() - t0) / 1000;
  const after = await Promise.all(pids.map(procStat));
  const cpuMs = after.reduce((s, a, i) => s + a.cpuMs - before[i].cpuMs, 0);
  const total = run.msgsPerSec * seconds;
  return { msgsPerSec: run.msgsPerSec, errors: run.errors, disconnected: run.disconnected, cpuUsPerMsg: (cpuMs * 1000) / total, cpuPercent: (100 * cpuMs) / (seconds * 1000) };
}

async function cloudSetup(name, count, shared) {
  progress(`${name}: starting ${count} instance(s)`);
  const set = await startInstances(count, shared);
  const clients = [];
  try {
    const ids = Array.from({ length: DEVICES }, (_, i) => `scale-${String(i).padStart(5, '0')}`);
    progress(`${name}: registering ${DEVICES} devices`);
    await registerDevices(restClient(set.procs[0].httpUrl, set.procs[0].serviceConnectionString), ids, KEY, Date.now() + 300_000);
    progress(`${name}: connecting ${DEVICES} devices`);
    const t0 = Date.now();
    const connected = await pool(ids, 100, Date.now() + 300_000, (id, i) =>
      connectCloudDevice(set.procs[i % count].options.ports.mqtt, set.caPem, id, KEY).catch(() => undefined),
    );
    clients.push(...connected.filter(Boolean));
    const connectSeconds = (Date.now() - t0) / 1000;
    const stats = await Promise.all(set.procs.map((p) => procStat(p.child.pid)));
    // Senders alternate between instances so both carry load.
    const senders = clients.slice(0, CLIENTS);
    progress(`${name}: ${clients.length} held; pumping telemetry from ${senders.length}`);
    const m = await measure(senders, set.procs.map((p) => p.child.pid));
    return { name, instances: count, held: clients.length, connectSeconds, rssMiB: stats.map((s) => Math.round(s.rssMiB)), ...m };
  } finally {
    await closeAll(clients);
    await set.stop();
  }
}

async function mosquittoSetup() {
  progress('mosquitto: starting');
  const broker = await startMosquittoTls();
  const clients = [];
  try {
    const ids = Array.from({ length: DEVICES }, (_, i) => `scale-${String(i).padStart(5, '0')}`);
    const t0 = Date.now();
    const connected = await pool(ids, 100, Date.now() + 300_000, (id) =>
      new Promise((resolve) => {
        const c = mqtt.connect(`mqtts://localhost:${broker.port}`, { ca: broker.caPem, clientId: id, protocolVersion: 4, clean: false, keepalive: 180, reconnectPeriod: 0 });
        c.once('connect', () => resolve(c));
        c.once('error', () => (c.end(true), resolve(undefined)));
      }),
    );
    clients.push(...connected.filter(Boolean));
    const connectSeconds = (Date.now() - t0) / 1000;
    const stats = await procStat(broker.pid);
    const m = await measure(clients.slice(0, CLIENTS), [broker.pid]);
    return { name: 'mosquitto-tls', instances: 1, held: clients.length, connectSeconds, rssMiB: [Math.round(stats.rssMiB)], ...m };
  } finally {
    await closeAll(clients);
    await broker.stop();
  }
}

/** A fresh schema for one set-up, dropped at the end of the run. */
async function benchSchema() {
  const s = await createBenchSchema('verge_bench');
  cleanups.push(s.drop);
  return s.url;
}

async function main() {
  const results = { devices: DEVICES, clients: CLIENTS, window: telemetry.window, seconds: Number(args.seconds), bus: !args['no-bus'], setups: [] };
  let bus;
  try {
    if (SETUPS.has('mosquitto')) results.setups.push(await mosquittoSetup());
    if (SETUPS.has('sqlite-1')) results.setups.push(await cloudSetup('sqlite-1', 1, {}));
    bus = args['no-bus'] || !(SETUPS.has('pg-1') || SETUPS.has('pg-2')) ? undefined : createTestBus();
    const busOption = bus === undefined ? {} : { bus: bus.url };
    if (SETUPS.has('pg-1')) results.setups.push(await cloudSetup('pg-1', 1, { db: await benchSchema(), ...busOption }));
    if (SETUPS.has('pg-2')) results.setups.push(await cloudSetup('pg-2', 2, { db: await benchSchema(), ...busOption }));
    if (SETUPS.has('mosquitto')) results.setups.push(await mosquittoSetup()); // again at the end: the machine's noise over the run
  } finally {
    await bus?.drop();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
  return results;
}

const loadStart = loadavg();
const startedAt = new Date();
const r = await main();
const loadEnd = loadavg();
const mosq = r.setups.filter((s) => s.name === 'mosquitto-tls');
const ref = mosq.length === 0 ? Number.NaN : mosq.reduce((s, m) => s + m.msgsPerSec, 0) / mosq.length;
if (args.json) console.log(JSON.stringify(r, null, 2));
else {
  console.log(`devices ${r.devices}, senders ${r.clients} x window ${r.window}, ${r.seconds} s, 256 B QoS 1, bus ${r.bus ? 'NATS' : 'none'}`);
  for (const s of r.setups) {
    console.log(
      `${s.name.padEnd(14)} held ${String(s.held).padStart(6)}/${r.devices} (connected in ${s.connectSeconds.toFixed(1)} s)  rss ${s.rssMiB.join('+')} MiB  ` +
        `${s.msgsPerSec.toFixed(0).padStart(6)} msgs/s (${(s.msgsPerSec / ref).toFixed(2)}x Mosquitto)  ${s.cpuUsPerMsg.toFixed(1)} µs CPU/msg  ${s.cpuPercent.toFixed(0)}% core  errors ${s.errors}`,
    );
  }
}
if (!args['no-write']) {
  const rows = r.setups.map(
    (s) =>
      `| ${s.name} | ${s.instances} | ${s.held}/${r.devices} | ${s.connectSeconds.toFixed(1)} s | ${s.msgsPerSec.toFixed(0)} | ${(s.msgsPerSec / ref).toFixed(2)}× | ${s.cpuUsPerMsg.toFixed(1)} µs | ${s.cpuPercent.toFixed(0)}% | ${s.rssMiB.join(' + ')} MiB | ${s.errors} |`,
  );
  const file = await writeBenchmarkSection(
    'cloud-scale',
    [
      '## Cloud ingest and scale-out (issue 9)',
      '',
      'By `bench/cloud-scale.mjs`: `verge cloud start` processes (SQLite; PostgreSQL with the NATS bus, one and two instances)',
      `next to Mosquitto 2 on TLS (run first and last; the ratio is against the mean of its runs). ${r.devices} devices connect`,
      `(SAS over TLS, clean=false like the Azure SDK); the first ${r.clients} publish 256 B QoS 1 messages, ${r.window} in flight each,`,
      `for ${r.seconds} s (2 s warm-up not counted). Every message is persisted before its PUBACK. CPU per message (of the broker`,
      'processes, from /proc) is the figure that resists the machine\'s noise. Two instances are dialled directly.',
      '',
      `- command: \`${['node bench/cloud-scale.mjs', ...process.argv.slice(2)].join(' ')}\``,
      `- date: ${startedAt.toISOString()}`,
      `- machine: ${machineLine()}; load average (1/5/15 min) at start ${loadLine(loadStart)}, at end ${loadLine(loadEnd)}`,
      `- bus: ${r.bus ? 'NATS JetStream (every message also published to the telemetry stream, after its commit)' : 'none'}`,
      '',
      '| set-up | instances | devices held | connect | msgs/s | vs Mosquitto | CPU / msg | CPU (cores) | RSS | errors |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      'Goal (issue 9): ingest ≥ 1.0× Mosquitto\'s QoS 1 rate, both on TLS.',
    ].join('\n'),
  );
  progress(`wrote ${file}`);
}
process.exit(0);

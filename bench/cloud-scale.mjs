#!/usr/bin/env node
// Scale-out benchmark (issue 9): devices held and QoS 1 telemetry msgs/s of the cloud as `verge cloud start` processes
// (the built CLI, the way docs/scale-out.md runs them), in four set-ups measured in one run, next to Mosquitto 2 on
// TLS as the reference:
//   sqlite-1   one instance on SQLite (SQLite is single-instance by design)
//   pg-1       one instance on PostgreSQL (+ NATS bus unless --no-bus)
//   pg-1-nobus one instance on PostgreSQL without a bus (not in the default set: splits PostgreSQL from NATS cost)
//   pg-2       two instances on one PostgreSQL schema (+ the same bus), devices split evenly between them
//   mosquitto  Mosquitto 2 with TLS, no persistence (bench/mosquitto-tls.mjs)
// Each set-up: connect --devices devices (SAS over TLS, clean=false, like the Azure SDK) and report how many are held
// and the instances' RSS; then the first --clients of them publish 256 B QoS 1 messages, --window in flight each, for
// --seconds (2 s warm-up not counted). CPU of the broker processes (/proc/PID/stat) per acknowledged message is the
// noise-resistant figure (for PostgreSQL set-ups with the CPU per message of the instances' PostgreSQL backends + WAL
// writer and of nats-server, so each piece's cost shows); msgs/s is wall-clock on a shared machine. Two instances
// are dialled directly (the load balancer's cost is HAProxy's, not the cloud's). Loopback only; PostgreSQL and NATS as .ci/run provides them.
//
// Writes the cloud-scale section of BENCHMARKS.md (--no-write: not).
//   npx tsc -b && node bench/cloud-scale.mjs [--devices 1000] [--clients 100] [--window 8] [--seconds 10] [--no-bus] [--json] [--no-write]
//     [--setups mosquitto,sqlite-1,pg-1,pg-2,pg-1-nobus]   (default: all; Mosquitto runs first and last when chosen)
//   --profile: a CPU profile of each cloud instance over its inspector during the pump (after the warm-up); its
//     self-time summary goes into the results (the profiler's own cost shows in that run's CPU per message);
//     --prof-out DIR also writes each as DIR/<set-up>-<instance>.cpuprofile (Chrome DevTools opens it)
//   VERGE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node bench/cloud-scale.mjs …   # flags for the cloud processes
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { closeAll, connectCloudDevice, pool, pumpTelemetry, registerDevices, restClient } from './cloud-load.mjs';
import { startMosquittoTls } from './mosquitto-tls.mjs';
import { createTestBus, shareCloudCa, startCloudProcess } from '../packages/testkit/dist/cloud/index.js';
import { freePort } from '../packages/testkit/dist/index.js';
import { loadLine, machineLine, writeBenchmarkSection } from './benchmarks-file.mjs';
import { profileOverInspector, summarizeProfile } from './profile/cpu-profile-tools.mjs';
import { createBenchSchema, listenerPid, pgBackendPids, procStat } from './host-stats.mjs';

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
    profile: { type: 'boolean', default: false },
    'prof-out': { type: 'string' },
  },
});
const SETUPS = new Set(args.setups.split(',').map((s) => s.trim()));
const KNOWN_SETUPS = ['mosquitto', 'sqlite-1', 'pg-1', 'pg-2', 'pg-1-nobus'];
for (const s of SETUPS) if (!KNOWN_SETUPS.includes(s)) throw new Error(`unknown setup "${s}" in --setups (${KNOWN_SETUPS.join(', ')})`);
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
    const inspectPort = args.profile ? await freePort() : undefined;
    const nodeArgs = inspectPort === undefined ? NODE_ARGS : [...NODE_ARGS, `--inspect=127.0.0.1:${inspectPort}`];
    try {
      return Object.assign(await startCloudProcess({ dataDir, ports, ...shared, logLevel: 'error', nodeArgs }), { inspectPort });
    } catch (e) {
      if (attempt >= 3 || !/port is in use/.test(e.message)) throw e;
    }
  }
}

async function stopGracefully(p) {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

/** CPU time (ms) of each of `pids`, keyed by pid. */
async function cpuOf(pids) {
  const stats = await Promise.all(pids.map(procStat));
  return new Map(pids.map((p, i) => [p, stats[i].cpuMs]));
}

/**
 * CPU and msgs/s of one pump over `clients`, with `pids` the broker processes; `peers` name other processes whose CPU
 * per message is reported too ({ name: () => pids }, asked before and after: a process seen only after counts whole).
 */
async function measure(clients, pids, peers = {}) {
  const peerNames = Object.keys(peers);
  const peerBefore = await Promise.all(peerNames.map(async (n) => cpuOf(await peers[n]())));
  const before = await Promise.all(pids.map(procStat));
  const t0 = Date.now();
  const run = await pumpTelemetry(clients, telemetry);
  const seconds = (Date.now() - t0) / 1000;
  const after = await Promise.all(pids.map(procStat));
  const peerAfter = await Promise.all(peerNames.map(async (n) => cpuOf(await peers[n]())));
  const cpuMs = after.reduce((s, a, i) => s + a.cpuMs - before[i].cpuMs, 0);
  const total = run.msgsPerSec * seconds;
  const peerUsPerMsg = {};
  peerNames.forEach((n, i) => {
    let ms = 0;
    for (const [pid, end] of peerAfter[i]) if (Number.isFinite(end)) ms += end - (peerBefore[i].get(pid) ?? 0);
    peerUsPerMsg[n] = (ms * 1000) / total;
  });
  return { msgsPerSec: run.msgsPerSec, errors: run.errors, disconnected: run.disconnected, cpuUsPerMsg: (cpuMs * 1000) / total, cpuPercent: (100 * cpuMs) / (seconds * 1000), peerUsPerMsg };
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
    const cloudPids = set.procs.map((p) => p.child.pid);
    const peers = {};
    if (shared.db !== undefined) peers.postgres = () => pgBackendPids(cloudPids);
    const natsPid = shared.bus === undefined ? undefined : await listenerPid(new URL(shared.bus).port || '4222');
    if (natsPid !== undefined) peers.nats = () => [natsPid];
    const profiles = args.profile ? Promise.all(set.procs.map((p) => profileDuringPump(p.inspectPort))) : undefined;
    const m = await measure(senders, cloudPids, peers);
    if (profiles !== undefined) {
      const raw = await profiles;
      if (args['prof-out'] !== undefined) {
        await mkdir(args['prof-out'], { recursive: true });
        await Promise.all(raw.map((p, i) => writeFile(join(args['prof-out'], `${name}-${i}.cpuprofile`), JSON.stringify(p))));
      }
      m.profiles = raw.map((p) => summarizeProfile(p, 30));
    }
    return { name, instances: count, held: clients.length, connectSeconds, rssMiB: stats.map((s) => Math.round(s.rssMiB)), ...m };
  } finally {
    await closeAll(clients);
    await set.stop();
  }
}

/** A CPU profile of the process on inspector `port` over the pump after its warm-up (0.5 s margin at both ends). */
async function profileDuringPump(port) {
  await new Promise((resolve) => setTimeout(resolve, telemetry.warmupMs + 500));
  return profileOverInspector(port, telemetry.durationMs - telemetry.warmupMs - 1000, 500);
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
    if (SETUPS.has('pg-1-nobus')) results.setups.push(await cloudSetup('pg-1-nobus', 1, { db: await benchSchema() }));
    if (SETUPS.has('pg-1')) results.setups.push(await cloudSetup('pg-1', 1, { db: await benchSchema(), ...busOption }));
    if (SETUPS.has('pg-2')) results.setups.push(await cloudSetup('pg-2', 2, { db: await benchSchema(), ...busOption }));
    if (SETUPS.has('mosquitto')) results.setups.push(await mosquittoSetup()); // again at the end: the machine's noise over the run
  } finally {
    await bus?.drop();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
  return results;
}

/** `postgres 20.1 µs, nats 15.2 µs` for a BENCHMARKS.md cell, or `–`. */
function peersCell(s) {
  const e = Object.entries(s.peerUsPerMsg ?? {});
  return e.length === 0 ? '–' : e.map(([n, us]) => `${n === 'nats' ? 'nats-server' : 'PostgreSQL'} ${us.toFixed(1)} µs`).join(', ');
}

/** ` + postgres 20.1 µs + nats 15.2 µs` for the peers measured, or ''. */
function peersText(s) {
  return Object.entries(s.peerUsPerMsg ?? {})
    .map(([n, us]) => ` + ${n} ${us.toFixed(1)} µs`)
    .join('');
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
        `${s.msgsPerSec.toFixed(0).padStart(6)} msgs/s (${(s.msgsPerSec / ref).toFixed(2)}x Mosquitto)  ${s.cpuUsPerMsg.toFixed(1)} µs CPU/msg  ${s.cpuPercent.toFixed(0)}% core  errors ${s.errors}` +
        peersText(s),
    );
    for (const [i, p] of (s.profiles ?? []).entries()) {
      console.log(`  profile of instance ${i}: ${p.totalMs.toFixed(0)} ms sampled, idle ${p.idleMs.toFixed(0)} ms; top self time:`);
      for (const f of p.functions.slice(0, 25)) console.log(`    ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.name}`);
      console.log('  by file:');
      for (const f of p.files.slice(0, 15)) console.log(`    ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.name}`);
    }
  }
}
if (!args['no-write']) {
  const rows = r.setups.map(
    (s) =>
      `| ${s.name} | ${s.instances} | ${s.held}/${r.devices} | ${s.connectSeconds.toFixed(1)} s | ${s.msgsPerSec.toFixed(0)} | ${(s.msgsPerSec / ref).toFixed(2)}× | ${s.cpuUsPerMsg.toFixed(1)} µs | ${peersCell(s)} | ${s.cpuPercent.toFixed(0)}% | ${s.rssMiB.join(' + ')} MiB | ${s.errors} |`,
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
      'processes, from /proc) is the figure that resists the machine\'s noise; for PostgreSQL set-ups the CPU of the instances\'',
      'PostgreSQL backends (+ WAL writer) and of nats-server per message is shown next to it. Two instances are dialled directly.',
      '',
      `- command: \`${['node bench/cloud-scale.mjs', ...process.argv.slice(2)].join(' ')}\``,
      `- date: ${startedAt.toISOString()}`,
      `- machine: ${machineLine()}; load average (1/5/15 min) at start ${loadLine(loadStart)}, at end ${loadLine(loadEnd)}`,
      `- bus: ${r.bus ? 'NATS JetStream (every message also published to the telemetry stream, after its commit)' : 'none'}`,
      '',
      '| set-up | instances | devices held | connect | msgs/s | vs Mosquitto | CPU / msg | PostgreSQL, nats-server CPU / msg | CPU (cores) | RSS | errors |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      'Goal (issue 9): ingest ≥ 1.0× Mosquitto\'s QoS 1 rate, both on TLS.',
    ].join('\n'),
  );
  progress(`wrote ${file}`);
}
process.exit(0);

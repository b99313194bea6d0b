#!/usr/bin/env node
// Benchmark of one cloud process (issue #3): how many connected devices it holds, sustained QoS 1 telemetry
// (256 B) in msgs/s, and its RSS idle and under load; the same telemetry load against the local Mosquitto
// (127.0.0.1:1883) in the same run, as a peer. Loopback only; bounded to about three minutes.
//
//   npx tsc -b && node bench/cloud-devices.mjs [--stages 2000,5000,10000] [--connect-budget-sec 75]
//                                              [--telemetry-clients 100] [--window 8] [--telemetry-sec 12] [--json]
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeAll, connectCloudDevice, connectMosquitto, pool, pumpTelemetry, registerDevices, restClient } from './cloud-load.mjs';

const { values: args } = parseArgs({
  options: {
    stages: { type: 'string', default: '2000,5000,10000' },
    'connect-budget-sec': { type: 'string', default: '75' },
    'telemetry-clients': { type: 'string', default: '100' },
    window: { type: 'string', default: '8' },
    'telemetry-sec': { type: 'string', default: '12' },
    json: { type: 'boolean', default: false },
  },
});
const stages = args.stages.split(',').map(Number);
const KEY = Buffer.alloc(32, 42).toString('base64');
const MB = 1024 * 1024;
const progress = (text) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const telemetryOptions = { payloadBytes: 256, window: Number(args.window), durationMs: Number(args['telemetry-sec']) * 1000, warmupMs: 2000 };

if (!existsSync(new URL('../apps/cloud/dist/start-cloud.js', import.meta.url))) {
  console.error('bench: apps/cloud/dist is missing; run `npx tsc -b` first');
  process.exit(1);
}

/** The cloud in a child process, driven over IPC. */
async function startCloudProcess(dataDir) {
  // VERGE_BENCH_NODE_ARGS passes flags to the cloud process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const execArgv = [...process.execArgv, ...(process.env.VERGE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = fork(new URL('./cloud-server.mjs', import.meta.url), [dataDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const pending = [];
  child.on('message', (m) => pending.shift()?.(m));
  const request = (type) => new Promise((resolve) => {
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
  return { child, ready, rss: async () => (await request('rss')).rss, cpuMs, stop: () => request('stop') };
}

/** CPU time of the Mosquitto process (found by name in /proc; ticks of 10 ms), or NaN when not found. */
async function mosquittoCpuMs() {
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.trim() !== 'mosquitto') continue;
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime (fields 14, 15 of stat)
  }
  return Number.NaN;
}

/** Runs `fn` and reports the CPU share (% of one core) the process measured by `cpuMs` used meanwhile. */
async function cpuShare(cpuMs, fn) {
  const [c0, t0] = [await cpuMs(), Date.now()];
  const result = await fn();
  const [c1, t1] = [await cpuMs(), Date.now()];
  return { result, percent: (100 * (c1 - c0)) / (t1 - t0) };
}

async function connectStage(cloud, ids, from, to, deadline, clients) {
  const started = Date.now();
  let failed = 0;
  await pool(ids.slice(from, to), 256, deadline, async (id) => {
    try {
      clients.push(await connectCloudDevice(cloud.ready.ports.mqtt, cloud.ready.caPem, id, KEY));
    } catch {
      failed += 1;
    }
  });
  return { seconds: (Date.now() - started) / 1000, failed };
}

async function main() {
  const results = { stages: [], notes: [] };
  const dataDir = await mkdtemp(join(tmpdir(), 'verge-bench-cloud-'));
  const cloud = await startCloudProcess(dataDir);
  const clients = [];
  try {
    await new Promise((r) => setTimeout(r, 1000));
    results.rssIdleMB = (await cloud.rss()) / MB;
    const ids = Array.from({ length: Math.max(...stages) }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
    const rest = restClient(cloud.ready.httpUrl, cloud.ready.serviceConnectionString);
    progress(`registering ${ids.length} devices`);
    const regStart = Date.now();
    const registered = await registerDevices(rest, ids, KEY, Date.now() + 40_000);
    results.registration = { devices: registered, perSec: registered / ((Date.now() - regStart) / 1000) };

    const deadline = Date.now() + Number(args['connect-budget-sec']) * 1000;
    for (const target of stages.filter((s) => s <= registered)) {
      if (Date.now() >= deadline) break;
      progress(`connecting up to ${target} devices`);
      const { seconds, failed } = await connectStage(cloud, ids, clients.length, target, deadline, clients);
      await new Promise((r) => setTimeout(r, 1000));
      results.stages.push({ target, connected: clients.length, failed, connectSec: seconds, connectsPerSec: (target - (results.stages.at(-1)?.target ?? 0)) / seconds, rssMB: (await cloud.rss()) / MB });
      if (clients.length < target) break; // budget or capacity reached
    }
    results.maxConnected = clients.length;
    results.rssConnectedIdleMB = (await cloud.rss()) / MB;

    const n = Math.min(Number(args['telemetry-clients']), clients.length);
    let peak = 0;
    const sample = () => void cloud.rss().then((r) => (peak = Math.max(peak, r)));
    progress(`telemetry from ${n} devices to the cloud`);
    const cloudCpu = await cpuShare(() => cloud.cpuMs(), () => pumpTelemetry(clients.slice(0, n), { ...telemetryOptions, onSample: sample }));
    const cloudRun = cloudCpu.result;
    results.cloudTelemetry = { clients: n, ...cloudRun, rssPeakMB: peak / MB, cpuPercent: cloudCpu.percent };
    progress(`disconnecting ${clients.length} devices`);
    await closeAll(clients.splice(0));

    progress(`telemetry from ${n} clients to Mosquitto`);
    const peers = await pool(Array.from({ length: n }, (_, i) => `bench-peer-${i}`), 100, Number.POSITIVE_INFINITY, (id) => connectMosquitto(id));
    const peerCpu = await cpuShare(mosquittoCpuMs, () => pumpTelemetry(peers, telemetryOptions));
    const peerRun = peerCpu.result;
    results.mosquittoTelemetry = { clients: n, ...peerRun, cpuPercent: peerCpu.percent };
    results.ratioCloudToMosquitto = cloudRun.msgsPerSec / peerRun.msgsPerSec;
    // Throughput per CPU-second of the broker process: comparable even when the shared load generator is the limit.
    results.cloudTelemetry.msgsPerCoreSec = cloudRun.msgsPerSec / (cloudCpu.percent / 100);
    results.mosquittoTelemetry.msgsPerCoreSec = peerRun.msgsPerSec / (peerCpu.percent / 100);
    results.efficiencyRatioCloudToMosquitto = results.cloudTelemetry.msgsPerCoreSec / results.mosquittoTelemetry.msgsPerCoreSec;
    await closeAll(peers);
  } finally {
    await closeAll(clients);
    await cloud.stop().catch(() => undefined);
    // Let it exit by itself (profiles are written at exit); kill it only if it hangs.
    const exited = new Promise((r) => (cloud.child.exitCode !== null ? r() : cloud.child.once('exit', r)));
    const killer = setTimeout(() => cloud.child.kill(), 10_000);
    await exited;
    clearTimeout(killer);
    await rm(dataDir, { recursive: true, force: true });
  }
  results.notes.push(
    'cloud: MQTT over TLS (ECDSA P-256), SAS-authenticated, every message persisted to SQLite before PUBACK and fanned out to the event bus',
    'mosquitto: plain TCP, anonymous, no subscribers, in-memory until its periodic autosave',
    'load generator (mqtt.js, one process) and both brokers share the same machine and cores; when a broker stays below 100% of a core the generator is the limit, so compare msgs per CPU-second',
  );
  return results;
}

const r = await main();
if (args.json) {
  console.log(JSON.stringify(r, null, 2));
} else {
  const f = (x, d = 0) => x.toFixed(d);
  console.log(`cloud RSS idle (no devices): ${f(r.rssIdleMB)} MB`);
  console.log(`device registration over REST: ${r.registration.devices} devices at ${f(r.registration.perSec)}/s`);
  for (const s of r.stages) {
    console.log(`connected ${s.connected}/${s.target} devices (+${f(s.connectsPerSec)}/s over ${f(s.connectSec, 1)} s, ${s.failed} failed): RSS ${f(s.rssMB)} MB`);
  }
  console.log(`cloud RSS with ${r.maxConnected} idle devices: ${f(r.rssConnectedIdleMB)} MB`);
  console.log(`telemetry QoS1 256 B, ${r.cloudTelemetry.clients} clients × window ${args.window}: cloud ${f(r.cloudTelemetry.msgsPerSec)} msgs/s (RSS peak ${f(r.cloudTelemetry.rssPeakMB)} MB, ${r.cloudTelemetry.errors} errors, ${r.cloudTelemetry.disconnected} disconnected; cloud CPU ${f(r.cloudTelemetry.cpuPercent)}% of a core)`);
  console.log(`same load on Mosquitto 127.0.0.1:1883: ${f(r.mosquittoTelemetry.msgsPerSec)} msgs/s (${r.mosquittoTelemetry.disconnected} disconnected; mosquitto CPU ${f(r.mosquittoTelemetry.cpuPercent)}% of a core) → cloud/mosquitto = ${f(r.ratioCloudToMosquitto, 2)}`);
  console.log(`per CPU-second of the broker: cloud ${f(r.cloudTelemetry.msgsPerCoreSec)} msgs, mosquitto ${f(r.mosquittoTelemetry.msgsPerCoreSec)} msgs → ${f(r.efficiencyRatioCloudToMosquitto, 2)}`);
  for (const n of r.notes) console.log(`note: ${n}`);
}
